package org.dynconv.mixing;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * Mixes expert parameters per example: {@code out[b,p] = sum_e routing[b,e] * experts[e,p]}, the
 * einsum {@code be,ep->bp}, computed as one MatMul (TensorFlow's CPU Einsum kernel is up to twice
 * as slow for these shapes; measured with {@code dynconv bench}). Used for kernels ({@code [E,P] ->
 * [B,P]}) and biases ({@code [E,O] -> [B,O]}).
 */
public final class ExpertMixer {
  private ExpertMixer() {}

  /** {@code [B,E] x [E,P] -> [B,P]}. */
  public static Operand<TFloat32> mix(Ops tf, Operand<TFloat32> routing, Operand<TFloat32> experts) {
    return tf.linalg.matMul(routing, experts);
  }

  /**
   * The same sums laid out {@code [P,B]} ({@code experts^T x routing^T}); for one example this is
   * the mixed kernel itself, and MatMul produces it about 1.5 times faster than {@code [1,P]}.
   */
  public static Operand<TFloat32> mixTransposed(Ops tf, Operand<TFloat32> routing,
      Operand<TFloat32> experts) {
    return tf.linalg.matMul(experts, routing, MatMul.transposeA(true), MatMul.transposeB(true));
  }
}

package org.dynconv.mixing;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Mixes expert parameters per example: {@code out[b,p] = sum_e routing[b,e] * experts[e,p]}, one
 * einsum {@code be,ep->bp}. Used for kernels ({@code [E,P] -> [B,P]}) and biases ({@code [E,O] ->
 * [B,O]}).
 */
public final class ExpertMixer {
  private ExpertMixer() {}

  public static Operand<TFloat32> mix(Ops tf, Operand<TFloat32> routing, Operand<TFloat32> experts) {
    return tf.linalg.einsum(List.of(routing, experts), "be,ep->bp");
  }
}

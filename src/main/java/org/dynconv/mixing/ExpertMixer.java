package org.dynconv.mixing;

import org.dynconv.graph.RuntimeSupport;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * Mixes expert parameters per example: {@code out[b,p] = sum_e routing[b,e] * experts[e,p]}, the
 * einsum {@code be,ep->bp}, computed as one MatMul (TensorFlow's CPU Einsum kernel is up to twice
 * as slow for these shapes; measured with {@code dynconv bench}). Used for kernels ({@code [E,P] ->
 * [B,P]}) and biases ({@code [E,O] -> [B,O]}), in float32 or in a half-width bank's type.
 */
public final class ExpertMixer {
  private ExpertMixer() {}

  /** {@code [B,E] x [E,P] -> [B,P]}. */
  public static <T extends TNumber> Operand<T> mix(Ops tf, Operand<T> routing,
      Operand<T> experts) {
    return tf.linalg.matMul(routing, experts);
  }

  /**
   * The same sums laid out {@code [P,B]} ({@code experts^T x routing^T}), for strategies that
   * consume the example index last; for B > 1 this product is faster than {@code [B,P]} followed
   * by a transpose.
   */
  public static <T extends TNumber> Operand<T> mixTransposed(Ops tf, Operand<T> routing,
      Operand<T> experts) {
    return tf.linalg.matMul(experts, routing, MatMul.transposeA(true), MatMul.transposeB(true));
  }

  /** One of this class's products, for any element type (so it can run at a bank's width). */
  public interface Product {
    <T extends TNumber> Operand<T> apply(Ops tf, Operand<T> routing, Operand<T> experts);
  }

  /**
   * {@code product} at the experts' own width, widened to float32: the routing weights are cast to
   * the experts' type (bfloat16 or float16 for a half-width bank), the product runs in it and its
   * result is cast to float32 for the convolution.
   */
  @SuppressWarnings("unchecked")
  public static Operand<TFloat32> mixAtWidth(Ops tf, Operand<TFloat32> routing,
      Operand<? extends TNumber> experts, Product product) {
    Operand<TNumber> bank = (Operand<TNumber>) experts;
    Operand<TNumber> narrowRouting = tf.dtypes.cast(routing, (Class<TNumber>) bank.type());
    return tf.dtypes.cast(product.apply(tf, narrowRouting, bank), TFloat32.class);
  }

  /**
   * One example's mixed parameters {@code [P,1]} for routing {@code [1,E]}: in memory, the mixed
   * kernel itself. {@code [1,P]} holds the same numbers in the same order, so the product may take
   * either layout, and the faster one depends on the runtime: with oneDNN the transposed product
   * ({@link #mixTransposed}), without it TensorFlow's own MatMul, which takes 1.5-1.7 times as
   * long transposed (8 x 75,264 bank: 1.11 ms against 0.70 ms; 8 x 368,640: 3.5 against 2.1 ms;
   * TF Java on the 2-core AVX2 VM), so there the plain product is reshaped.
   */
  public static <T extends TNumber> Operand<T> mixOne(Ops tf, Operand<T> routing,
      Operand<T> experts) {
    if (RuntimeSupport.oneDnn()) {
      return mixTransposed(tf, routing, experts);
    }
    return tf.reshape(mix(tf, routing, experts), tf.constant(new long[] {-1, 1}));
  }
}

package org.dynconv.conv;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Moves the batch into the channel axis and back: {@code [B,H,W,C] <-> [1,H,W,B*C]} with channel
 * {@code b*C + c}. Both directions work with an unknown B.
 */
final class BatchFold {
  private BatchFold() {}

  static Operand<TFloat32> fold(Ops tf, Operand<TFloat32> x, ConvProblem p) {
    Operand<TFloat32> hwbc = tf.linalg.transpose(x, tf.constant(new int[] {1, 2, 0, 3}));
    return tf.reshape(hwbc, tf.constant(new long[] {1, p.height(), p.width(), -1}));
  }

  /** {@code [1,H',W',B*O] -> [B,H',W',O]}. */
  static Operand<TFloat32> unfold(Ops tf, Operand<TFloat32> y, ConvProblem p) {
    Operand<TFloat32> hwbo =
        tf.reshape(y, tf.constant(new long[] {p.outHeight(), p.outWidth(), -1, p.outChannels()}));
    return tf.linalg.transpose(hwbo, tf.constant(new int[] {2, 0, 1, 3}));
  }

  /** {@code [B,P] -> [B,kh,kw,A,O]} for one example's kernel shape {@code [kh,kw,A,O]}. */
  static Operand<TFloat32> perExampleKernels(Ops tf, Operand<TFloat32> kernels, ConvProblem p) {
    long[] k = p.kernelShape();
    return tf.reshape(kernels, tf.constant(new long[] {-1, k[0], k[1], k[2], k[3]}));
  }
}

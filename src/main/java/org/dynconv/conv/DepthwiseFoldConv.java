package org.dynconv.conv;

import org.dynconv.nn.ConvOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The batch folded into the channels of one DepthwiseConv2dNative over {@code [1,H,W,B*C]} with
 * filter {@code [kh,kw,B*C,M]}. Its gradient exists on every runtime. A regular conv runs as a
 * depthwise conv with multiplier Cout, then a sum over the input channels: exact, but it holds a
 * {@code [H',W',B*Cin*Cout]} intermediate, so it is the fallback for k x k convs, not the default.
 */
final class DepthwiseFoldConv implements PerExampleConv {
  @Override
  public Strategy strategy() {
    return Strategy.DEPTHWISE_FOLD;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    return null;
  }

  @Override
  public Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernels, ConvProblem p) {
    long[] ks = p.kernelShape();
    Operand<TFloat32> k5 = BatchFold.perExampleKernels(tf, kernels, p);
    // [B,kh,kw,A,O] -> [kh,kw,B,A,O] -> [kh,kw,B*A,O]
    Operand<TFloat32> t = tf.linalg.transpose(k5, tf.constant(new int[] {1, 2, 0, 3, 4}));
    Operand<TFloat32> filter = tf.reshape(t, tf.constant(new long[] {ks[0], ks[1], -1, ks[3]}));
    Operand<TFloat32> y = ConvOps.depthwise(tf, BatchFold.fold(tf, x, p), filter, p.geometry());
    if (p.kind() == ConvKind.DEPTHWISE) {
      return BatchFold.unfold(tf, y, p);
    }
    // Regular: channel (b*Cin + ci)*Cout + co; sum over ci.
    Operand<TFloat32> split = tf.reshape(y,
        tf.constant(new long[] {p.outHeight(), p.outWidth(), -1, p.inChannels(), p.kernelOut()}));
    Operand<TFloat32> summed = tf.reduceSum(split, tf.constant(3));
    return tf.linalg.transpose(summed, tf.constant(new int[] {2, 0, 1, 3}));
  }
}

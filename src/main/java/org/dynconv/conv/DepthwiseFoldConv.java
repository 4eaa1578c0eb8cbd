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
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    if (p.kind() == ConvKind.DEPTHWISE) {
      return depthwise(tf, x, routing, source, p);
    }
    Operand<TFloat32> kernels = source.kernels(tf, routing);
    long[] ks = p.kernelShape();
    Operand<TFloat32> k5 = BatchFold.perExampleKernels(tf, kernels, p);
    // [B,kh,kw,A,O] -> [kh,kw,B,A,O] -> [kh,kw,B*A,O]
    Operand<TFloat32> t = tf.linalg.transpose(k5, tf.constant(new int[] {1, 2, 0, 3, 4}));
    Operand<TFloat32> filter = tf.reshape(t, tf.constant(new long[] {ks[0], ks[1], -1, ks[3]}));
    Operand<TFloat32> y = ConvOps.depthwise(tf, BatchFold.fold(tf, x, p), filter, p.geometry());
    // Regular: channel (b*Cin + ci)*Cout + co; sum over ci.
    Operand<TFloat32> split = tf.reshape(y,
        tf.constant(new long[] {p.outHeight(), p.outWidth(), -1, p.inChannels(), p.kernelOut()}));
    Operand<TFloat32> summed = tf.reduceSum(split, tf.constant(3));
    return tf.linalg.transpose(summed, tf.constant(new int[] {2, 0, 1, 3}));
  }

  /**
   * Depthwise with channel {@code c*B + b}: the kernels come out of mixing as {@code
   * [kh,kw,C,M,B]}, which for M = 1 is already the folded filter {@code [kh,kw,C*B,1]}, so only
   * the input and output are transposed.
   */
  private static Operand<TFloat32> depthwise(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    long[] ks = p.kernelShape();
    long c = p.inChannels(), m = p.kernelOut();
    Operand<TFloat32> k = source.kernelsExampleLast(tf, routing);
    Operand<TFloat32> filter = m == 1
        ? tf.reshape(k, tf.constant(new long[] {ks[0], ks[1], -1, 1}))
        : tf.reshape(tf.linalg.transpose(
            tf.reshape(k, tf.constant(new long[] {ks[0], ks[1], c, m, -1})),
            tf.constant(new int[] {0, 1, 2, 4, 3})), tf.constant(new long[] {ks[0], ks[1], -1, m}));
    Operand<TFloat32> xt = tf.reshape(tf.linalg.transpose(x, tf.constant(new int[] {1, 2, 3, 0})),
        tf.constant(new long[] {1, p.height(), p.width(), -1}));
    Operand<TFloat32> y = ConvOps.depthwise(tf, xt, filter, p.geometry());
    // Output channel (c*B + b)*M + mm -> [H',W',C,B,M] -> [B,H',W',C,M].
    Operand<TFloat32> y5 = tf.reshape(y, tf.constant(new long[] {p.outHeight(), p.outWidth(), c, -1, m}));
    Operand<TFloat32> t = tf.linalg.transpose(y5, tf.constant(new int[] {3, 0, 1, 2, 4}));
    return tf.reshape(t, tf.constant(new long[] {-1, p.outHeight(), p.outWidth(), c * m}));
  }
}

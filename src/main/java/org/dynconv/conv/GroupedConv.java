package org.dynconv.conv;

import org.dynconv.nn.ConvOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The batch folded into groups: input {@code [1,H,W,B*Cin]}, filter {@code [kh,kw,Cin,B*Cout]},
 * one Conv2D with B groups; group b sees example b's channels and example b's kernel. A depthwise
 * conv is a grouped conv with B*C groups of one channel. The group count is read from the shapes
 * at run time, so B may be unknown. On CPU its gradient exists only in float32 with oneDNN on.
 */
final class GroupedConv implements PerExampleConv {
  @Override
  public Strategy strategy() {
    return Strategy.GROUPED;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    return null;
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    Operand<TFloat32> kernels = source.kernels(tf, routing);
    Operand<TFloat32> k5 = BatchFold.perExampleKernels(tf, kernels, p);
    long[] ks = p.kernelShape();
    Operand<TFloat32> filter;
    if (p.kind() == ConvKind.REGULAR) {
      // [B,kh,kw,Cin,Cout] -> [kh,kw,Cin,B,Cout] -> [kh,kw,Cin,B*Cout]
      Operand<TFloat32> t = tf.linalg.transpose(k5, tf.constant(new int[] {1, 2, 3, 0, 4}));
      filter = tf.reshape(t, tf.constant(new long[] {ks[0], ks[1], ks[2], -1}));
    } else {
      // [B,kh,kw,C,M] -> [kh,kw,B,C,M] -> [kh,kw,1,B*C*M]: output channel (b*C + c)*M + m
      Operand<TFloat32> t = tf.linalg.transpose(k5, tf.constant(new int[] {1, 2, 0, 3, 4}));
      filter = tf.reshape(t, tf.constant(new long[] {ks[0], ks[1], 1, -1}));
    }
    Operand<TFloat32> y = ConvOps.conv2d(tf, BatchFold.fold(tf, x, p), filter, p.geometry());
    return BatchFold.unfold(tf, y, p);
  }
}

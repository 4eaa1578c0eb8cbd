package org.dynconv.conv;

import org.dynconv.nn.ConvOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Batch-1 fusion: for a single example, mix its kernel once and run one plain Conv2D or
 * DepthwiseConv2dNative, with no folding, transposes or batched matmul. Needs a static batch of 1,
 * so AUTO picks it in batch-1 graphs, such as exports made with {@code --static-batch 1}.
 */
final class FusedConv implements PerExampleConv {
  @Override
  public Strategy strategy() {
    return Strategy.FUSED;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    return p.batch() == 1 ? null : "it needs a static batch of 1, got " + (p.batch() < 0 ? "an unknown"
        + " one" : Long.toString(p.batch()));
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    return convolve(tf, x, source.single(tf, routing), p);
  }

  /** The plain convolution of {@code x} with one kernel of the problem's kernel shape. */
  static Operand<TFloat32> convolve(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      ConvProblem p) {
    return p.kind() == ConvKind.REGULAR
        ? ConvOps.conv2d(tf, x, kernel, p.geometry())
        : ConvOps.depthwise(tf, x, kernel, p.geometry());
  }
}

package org.dynconv.conv;

import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.conv.kernels.KernelOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The KERNEL strategy: each example convolved with its own kernel by dynconv's own CPU kernel,
 * with no folding of the batch into channels and no copies of the input. Any batch, known or not;
 * regular and depthwise; gradients through the kernel library's own. Needs the kernel library
 * ({@link KernelLibrary}); its ops use {@link KernelLibrary#threads()} threads.
 *
 * <p>When a regular layer's kernels are exactly {@code routing bank} ({@link KernelSource#bank}:
 * CondConv and DynamicConv without dilation), the routing and the expert bank go to {@link
 * KernelOps#mixedConv2d}, which mixes each example's kernel a panel at a time inside its loops,
 * and whose gradient chains through the mixing inside its loops too: neither the batch's kernels
 * {@code [B, P]} nor their gradient is ever written to memory, in inference and in training.
 * Otherwise (depthwise, dilated, half-width banks, ODConv) the batch's kernels are mixed as
 * {@code [B, P]} (one MatMul), reshaped to {@code [B, kh, kw, Cin, N]} and handed to {@link
 * KernelOps#perExampleConv2d}.
 */
final class KernelConv implements PerExampleConv {
  @Override
  public Strategy strategy() {
    return Strategy.KERNEL;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    KernelLibrary.Status s = KernelLibrary.status();
    return s.loaded() ? null : "it needs dynconv's kernel library, and the " + s.describe();
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    long[] k = p.kernelShape();
    Operand<TFloat32> bank = p.kind() == ConvKind.REGULAR ? source.bank(tf) : null;
    if (bank != null) {
      return KernelOps.mixedConv2d(tf, x, routing, bank, k, p.geometry(), KernelLibrary.threads());
    }
    Operand<TFloat32> w = tf.reshape(source.kernels(tf, routing),
        tf.constant(new long[] {-1, k[0], k[1], k[2], k[3]}));
    return KernelOps.perExampleConv2d(tf, x, w, p.kind(), p.geometry(), KernelLibrary.threads());
  }
}

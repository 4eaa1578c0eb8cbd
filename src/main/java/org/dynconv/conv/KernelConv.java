package org.dynconv.conv;

import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.conv.kernels.KernelOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The KERNEL strategy: the batch's kernels mixed as {@code [B, P]}, reshaped to {@code [B, kh, kw,
 * Cin, N]} and convolved example by example by dynconv's own CPU kernel ({@link
 * KernelOps#perExampleConv2d}), with no folding of the batch into channels and no copies of the
 * input. Any batch, known or not; regular and depthwise; gradients through the kernel library's
 * own. Needs the kernel library ({@link KernelLibrary}); its ops use {@link
 * KernelLibrary#threads()} threads.
 *
 * <p>The instance {@link #mixingInKernel()}, which inference graphs get, hands a regular layer's
 * routing and expert bank to {@link KernelOps#mixedConv2d} instead when the kernels are exactly
 * {@code routing bank} ({@link KernelSource#bank}): the library mixes each example's kernel a
 * panel of output channels at a time, in cache, and the batch's kernels are never written to
 * memory. Training graphs keep the mixed kernels, which the gradient needs anyway.
 */
final class KernelConv implements PerExampleConv {
  private final boolean mixInKernel;

  KernelConv() {
    this(false);
  }

  private KernelConv(boolean mixInKernel) {
    this.mixInKernel = mixInKernel;
  }

  /** KERNEL that mixes regular kernels inside the library's loops where it can. */
  static KernelConv mixingInKernel() {
    return new KernelConv(true);
  }

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
    Operand<TFloat32> bank = mixInKernel && p.kind() == ConvKind.REGULAR ? source.bank(tf) : null;
    if (bank != null) {
      return KernelOps.mixedConv2d(tf, x, routing, bank, k, p.geometry(), KernelLibrary.threads());
    }
    Operand<TFloat32> w = tf.reshape(source.kernels(tf, routing),
        tf.constant(new long[] {-1, k[0], k[1], k[2], k[3]}));
    return KernelOps.perExampleConv2d(tf, x, w, p.kind(), p.geometry(), KernelLibrary.threads());
  }
}

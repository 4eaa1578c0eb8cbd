package org.dynconv.conv;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Convolves each example with its own kernel: {@code y[b] = conv(x[b], K[b])}. Every
 * implementation computes the same function; they differ in speed, memory, whether the batch may
 * be unknown at graph-build time, and whether gradients exist on the runtime.
 */
public interface PerExampleConv {
  Strategy strategy();

  /** Why this implementation cannot compute {@code p}, or null when it can. */
  String unsupportedReason(ConvProblem p);

  /**
   * @param x {@code [B,H,W,Cin]}
   * @param kernels {@code [B,P]}, row b is example b's kernel of shape {@link
   *     ConvProblem#kernelShape()} flattened row-major
   * @return {@code [B,H',W',Cout]}
   */
  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernels, ConvProblem p);
}

package org.dynconv.conv;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Convolves each example with its own kernel: {@code y[b] = conv(x[b], K[b])}, {@code K[b]} mixed
 * from the experts with example b's routing weights. Every implementation computes the same
 * function; they differ in speed, memory, whether the batch may be unknown at graph-build time,
 * and whether gradients exist on the runtime.
 */
public interface PerExampleConv {
  Strategy strategy();

  /** Why this implementation cannot compute {@code p}, or null when it can. */
  String unsupportedReason(ConvProblem p);

  /**
   * @param x {@code [B,H,W,Cin]}
   * @param routing {@code [B,E]}
   * @return {@code [B,H',W',Cout]}
   */
  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource kernels, ConvProblem p);
}

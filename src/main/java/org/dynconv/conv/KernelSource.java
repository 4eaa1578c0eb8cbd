package org.dynconv.conv;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Produces per-example kernels from routing weights, so a strategy decides how much of the batch
 * is mixed at once (all of it, a chunk, or one example). Kernels have the problem's (undilated)
 * kernel shape, flattened row-major.
 */
public interface KernelSource {
  /** {@code [n, P]} kernels for routing {@code [n, E]}. */
  Operand<TFloat32> kernels(Ops tf, Operand<TFloat32> routing);

  /**
   * The kernels laid out {@code [P, n]} (example index last), which MatMul produces faster than
   * {@code [n, P]}; strategies that can consume this layout skip a transpose.
   */
  Operand<TFloat32> kernelsExampleLast(Ops tf, Operand<TFloat32> routing);

  /** One example's kernel in the problem's kernel shape, for routing {@code [1, E]}. */
  Operand<TFloat32> single(Ops tf, Operand<TFloat32> routing);

  /**
   * The expert bank {@code [E, P]} when the kernels are exactly {@code routing bank} (a float32
   * bank, no dilation, no attention applied after mixing), so a strategy may mix inside its
   * convolution; null otherwise.
   */
  default Operand<TFloat32> bank(Ops tf) {
    return null;
  }
}

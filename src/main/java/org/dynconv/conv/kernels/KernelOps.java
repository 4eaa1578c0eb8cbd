package org.dynconv.conv.kernels;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Graph builders for the kernel library's ops; each loads the library first. */
public final class KernelOps {
  private KernelOps() {}

  /**
   * {@code DynconvProbeSquare}: {@code y = x * x} elementwise, any shape. The library's probe: it
   * shows that the library loads, runs in graphs and SavedModels and is differentiated through its
   * Java gradient ({@code dy/dx = 2x}).
   *
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static Operand<TFloat32> probeSquare(Ops tf, Operand<TFloat32> x) {
    requireLoaded("DynconvProbeSquare");
    return tf.scope().opBuilder("DynconvProbeSquare", "ProbeSquare").addInput(x.asOutput()).build()
        .output(0);
  }

  private static void requireLoaded(String op) {
    KernelLibrary.Status s = KernelLibrary.status();
    if (!s.loaded()) {
      throw new IllegalStateException("KernelOps: op " + op + " needs dynconv's kernel library, and "
          + s.describe());
    }
  }
}

package org.dynconv.conv.kernels;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.SessionFunction;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel whose graph holds the kernel library's probe op ({@code serving_default}: x -> y =
 * x^2), exported with TF Java's own exporter; the Java and Python tests load it.
 */
public final class ProbeExport {
  private ProbeExport() {}

  public static Path write(Path dir) throws IOException {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y = KernelOps.probeSquare(tf, x);
      SessionFunction f = SessionFunction.create(
          Signature.builder().key("serving_default").input("x", x).output("y", y).build(), s);
      SavedModelBundle.exporter(dir.toString()).withFunction(f).export();
    }
    return dir;
  }
}

package org.dynconv.conv.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The kernel library's go/no-go checks (issue 25): the library the build compiled loads into TF
 * Java, its op runs in a graph and in a SavedModel exported and reloaded by TF Java, and the
 * gradient registered in Java agrees with the analytic derivative and with finite differences.
 */
class KernelLibraryTest {
  static final float[] X = {1.5f, -2f, 3f, 0f, 0.25f};

  /** True when a C compiler is on PATH, so the build must have compiled the library. */
  static boolean compilerOnPath() {
    String cc = System.getenv().getOrDefault("CC", "cc");
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, cc))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theBuiltLibraryLoadsWhereACompilerExists() {
    KernelLibrary.Status s = KernelLibrary.status();
    if (compilerOnPath()) {
      assertTrue(s.loaded(), s.describe());
      assertTrue(s.ops().contains("DynconvProbeSquare"), s.ops().toString());
    } else {
      assertTrue(!s.loaded() && s.detail().contains("C compiler"), s.describe());
    }
  }

  @Test
  void probeSquaresExactly() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> y = KernelOps.probeSquare(tf, tf.constant(X));
      try (Result r = s.runner().fetch(y).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        for (int i = 0; i < X.length; i++) {
          // Squares of these short binary fractions are exact in float32.
          assertEquals((double) X[i] * X[i], t.getFloat(i), 0.0);
        }
      }
    }
  }

  @Test
  void javaGradientMatchesTheDerivativeAndFiniteDifferences() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
    float[] w = {0.5f, -1f, 2f, 3f, -0.75f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      // L = sum(w * x^2): dL/dx = 2 w x.
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(tf.constant(w), KernelOps.probeSquare(tf, x)),
          tf.constant(0));
      Output<?>[] grad = g.addGradients(loss.asOutput(), new Output<?>[] {x.asOutput()});
      float[] analytic = run(s, x, X, grad[0], X.length);
      for (int i = 0; i < X.length; i++) {
        assertEquals(2.0 * w[i] * X[i], analytic[i], 0.0, "dL/dx[" + i + "]");
      }
      double h = 1e-2;
      for (int i = 0; i < X.length; i++) {
        float[] plus = X.clone(), minus = X.clone();
        plus[i] += (float) h;
        minus[i] -= (float) h;
        double fd = (run(s, x, plus, loss, 1)[0] - run(s, x, minus, loss, 1)[0]) / (plus[i] - minus[i]);
        assertEquals(fd, analytic[i], 1e-3 * Math.max(1, Math.abs(fd)), "finite difference " + i);
      }
    }
  }

  @Test
  void runsInASavedModelReloadedByTfJava(@TempDir Path dir) throws IOException {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
    Path export = ProbeExport.write(dir.resolve("probe"));
    try (SavedModelBundle b = SavedModelBundle.load(export.toString(), "serve");
        TFloat32 x = TFloat32.vectorOf(X);
        Result r = b.function("serving_default").call(Map.of("x", x))) {
      TFloat32 y = (TFloat32) r.get("y").orElseThrow();
      for (int i = 0; i < X.length; i++) {
        assertEquals((double) X[i] * X[i], y.getFloat(i), 0.0);
      }
    }
  }

  private static float[] run(Session s, Placeholder<TFloat32> x, float[] xv, Operand<?> fetch, int n) {
    try (TFloat32 in = TFloat32.vectorOf(xv); Result r = s.runner().feed(x, in).fetch(fetch).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        out[i] = n == 1 && t.rank() == 0 ? t.getFloat() : t.getFloat(i);
      }
      return out;
    }
  }
}

package org.dynconv.conv.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** What the kernel library's op tests share: inputs, constants, fetches and the checks. */
final class KernelTests {
  private KernelTests() {}

  /** Uniform in [-1, 1), as many as the shape holds. */
  static float[] uniform(SplittableRandom r, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] out = new float[(int) n];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return out;
  }

  static Operand<TFloat32> constant(Ops tf, long[] shape, float[] v) {
    return tf.constant(Shape.of(shape), DataBuffers.of(v, true, false));
  }

  /** Fetch i of a run, as floats. */
  static float[] floats(Result r, int i) {
    TFloat32 t = (TFloat32) r.get(i);
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /**
   * L = sum(y * dy) in float64, y computed by the graph {@code build} makes (the loss a central
   * difference takes).
   */
  static double weightedSum(Function<Ops, Operand<TFloat32>> build, float[] dy) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Operand<TFloat32> y = build.apply(Ops.create(g));
      float[] out;
      try (Result r = s.runner().fetch(y).run()) {
        out = floats(r, 0);
      }
      double sum = 0;
      for (int i = 0; i < out.length; i++) {
        sum += (double) out[i] * dy[i];
      }
      return sum;
    }
  }

  /**
   * Every {@code step}-th element of {@code grad} against (L(v + h) - L(v - h)) / 2h, h = 0.5,
   * within 1e-4 relative. Exact up to float32 rounding of L when L is linear in v, as the sum of
   * a convolution's output times a fixed dy is in each of its inputs.
   */
  static void centralDifferences(String what, float[] v, int step, float[] grad,
      ToDoubleFunction<float[]> loss) {
    float h = 0.5f;
    for (int i = 0; i < v.length; i += step) {
      float[] plus = v.clone(), minus = v.clone();
      plus[i] += h;
      minus[i] -= h;
      double fd = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * h);
      assertEquals(fd, grad[i], 1e-4 * Math.max(1, Math.abs(fd)), what + "[" + i + "]");
    }
  }

  /**
   * |got - want| <= tolerance * max(1, scale), element by element, scale being the sum of the
   * magnitudes of the terms (which bounds float32 rounding); {@code what} and {@code c} name the
   * failure.
   */
  static void assertClose(String what, double[] want, double[] scale, float[] got,
      double tolerance, Object c) {
    assertEquals(want.length, got.length, what + " size, " + c);
    for (int i = 0; i < want.length; i++) {
      double tol = tolerance * Math.max(1, scale[i]);
      if (Math.abs(got[i] - want[i]) > tol) {
        fail(what + "[" + i + "] = " + got[i] + ", float64 reference " + want[i]
            + " (tolerance " + tol + "), " + c);
      }
    }
  }
}

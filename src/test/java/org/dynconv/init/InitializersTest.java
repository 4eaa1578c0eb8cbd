package org.dynconv.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dynconv.config.ConvGeometry;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;

/**
 * Sample statistics of initial values against the formulas: Google's conv init Normal(0,
 * sqrt(2/fan_out)) per expert with the single-kernel fan, Glorot uniform bounds; same seed, same
 * values.
 */
class InitializersTest {
  @Test
  void condConvExpertsUseTheSingleKernelFanOut() {
    try (TfRun run = new TfRun(11)) {
      // 8 experts of 3x3x32x64: fan_out = 3*3*64 = 576, std = sqrt(2/576) = 0.058926.
      CondConv2d layer = CondConv2d.create(run.root.child("cc"),
          CondConv2dConfig.of(64, ConvGeometry.of(3), 8), 32);
      double[] v = run.value(layer.experts().kernel());
      assertEquals(8 * 3 * 3 * 32 * 64, v.length);
      double[] ms = meanStd(v);
      assertEquals(0, ms[0], 0.002);
      assertEquals(Math.sqrt(2.0 / 576), ms[1], 0.002);
      // Each expert separately has the same spread (the [E,P] shape does not enter the fan).
      for (int e = 0; e < 8; e++) {
        double[] row = java.util.Arrays.copyOfRange(v, e * 18432, (e + 1) * 18432);
        assertEquals(Math.sqrt(2.0 / 576), meanStd(row)[1], 0.003, "expert " + e);
      }
      double[] bias = run.value(layer.experts().bias());
      assertArrayEquals(new double[8 * 64], bias, 0);
    }
  }

  @Test
  void depthwiseExpertsUseKernelAreaTimesMultiplier() {
    try (TfRun run = new TfRun(12)) {
      // fan_out = 5*5*1 = 25, std = sqrt(2/25) = 0.2828.
      CondConv2d layer = CondConv2d.create(run.root.child("dw"),
          CondConv2dConfig.depthwise(ConvGeometry.of(5), 4), 500);
      double[] ms = meanStd(run.value(layer.experts().kernel()));
      assertEquals(0, ms[0], 0.005);
      assertEquals(Math.sqrt(2.0 / 25), ms[1], 0.004);
    }
  }

  @Test
  void glorotUniformStaysWithinItsLimit() {
    try (TfRun run = new TfRun(13)) {
      Dense d = Dense.create(run.root.child("dense"), DenseConfig.of(300), 500);
      double[] v = run.value(d.kernel());
      double limit = Math.sqrt(6.0 / 800);
      double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
      for (double x : v) {
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      assertTrue(min >= -limit && max < limit, "bounds " + min + " " + max);
      assertTrue(min < -0.99 * limit && max > 0.99 * limit, "fills the range: " + min + " " + max);
      // Uniform on [-l, l): std = l / sqrt(3).
      assertEquals(limit / Math.sqrt(3), meanStd(v)[1], 0.001);
    }
  }

  @Test
  void sameSeedSameValuesDifferentSeedDifferentValues() {
    double[] a, b, c;
    try (TfRun run = new TfRun(5)) {
      a = run.value(Dense.create(run.root.child("d"), DenseConfig.of(4), 4).kernel());
    }
    try (TfRun run = new TfRun(5)) {
      b = run.value(Dense.create(run.root.child("d"), DenseConfig.of(4), 4).kernel());
    }
    try (TfRun run = new TfRun(6)) {
      c = run.value(Dense.create(run.root.child("d"), DenseConfig.of(4), 4).kernel());
    }
    assertArrayEquals(a, b, 0);
    assertTrue(a[0] != c[0]);
  }

  private static double[] meanStd(double[] v) {
    double s = 0, s2 = 0;
    for (double x : v) {
      s += x;
      s2 += x * x;
    }
    double m = s / v.length;
    return new double[] {m, Math.sqrt(s2 / v.length - m * m)};
  }
}

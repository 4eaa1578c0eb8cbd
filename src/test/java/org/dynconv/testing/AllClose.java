package org.dynconv.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Closeness checks with explicit tolerances. The relative error of a whole tensor is {@code
 * max_i |actual_i - expected_i| / max_i |expected_i|}, so entries near zero do not blow it up.
 */
public final class AllClose {
  private AllClose() {}

  /** Fails unless the max-norm relative error is at most {@code rtol}. */
  public static void assertRelClose(double[] expected, float[] actual, double rtol, String what) {
    double[] a = new double[actual.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = actual[i];
    }
    assertRelClose(expected, a, rtol, what);
  }

  public static void assertRelClose(double[] expected, double[] actual, double rtol, String what) {
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " values, got " + actual.length);
    }
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    if (scale == 0) {
      fail(what + ": the expected tensor is all zeros, which makes a weak test");
    }
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      if (!Double.isFinite(actual[i])) {
        fail(what + ": value " + i + " is " + actual[i]);
      }
      double err = Math.abs(actual[i] - expected[i]);
      if (err > worst) {
        worst = err;
        at = i;
      }
    }
    if (worst / scale > rtol) {
      fail(String.format("%s: relative error %.3g > %.1g at index %d (expected %.9g, got %.9g,"
          + " max |expected| %.4g)", what, worst / scale, rtol, at, expected[at], actual[at], scale));
    }
  }

  /** Relative error as defined above, for reporting. */
  public static double relError(double[] expected, float[] actual) {
    double scale = 0, worst = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    return worst / scale;
  }

  public static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }
}

package org.dynconv.testing;

import java.util.SplittableRandom;

/** Seeded random arrays for tests. Values are rounded to float so both sides see the same input. */
public final class Rand {
  private Rand() {}

  public static float[] normal(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller from two uniforms: SplittableRandom has no nextGaussian on Java 17.
      double u1 = 1 - r.nextDouble(), u2 = r.nextDouble();
      a[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return a;
  }

  /** Uniform in {@code [lo, hi)}. */
  public static float[] uniform(long seed, int n, double lo, double hi) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return a;
  }
}

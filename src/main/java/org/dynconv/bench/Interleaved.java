package org.dynconv.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Timing of candidates against a baseline in the same process, interleaved: every repetition
 * runs the baseline, then a candidate, so slow drifts (frequency, other load) hit both alike. The
 * candidates' order changes every repetition (seeded shuffle), so no candidate always follows the
 * same neighbour and inherits its cache state.
 * Each candidate's ratio is taken per repetition; the result is the median and the range of those
 * ratios, and the baseline's median time.
 */
public final class Interleaved {
  private Interleaved() {}

  /** One measured candidate. */
  public record Ratio(double median, double min, double max, double baselineMs, double candidateMs) {}

  /**
   * @param warmup untimed runs of each (the first run of a graph also optimises it)
   * @param reps timed pairs per candidate
   */
  public static List<Ratio> measure(Runnable baseline, List<Runnable> candidates, int warmup,
      int reps) {
    for (int i = 0; i < warmup; i++) {
      baseline.run();
      candidates.forEach(Runnable::run);
    }
    int n = candidates.size();
    double[][] ratios = new double[n][reps];
    double[][] candMs = new double[n][reps];
    double[] baseMs = new double[reps * n];
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      order.add(c);
    }
    Random shuffle = new Random(12345);
    for (int r = 0; r < reps; r++) {
      Collections.shuffle(order, shuffle);
      for (int c : order) {
        double b = time(baseline);
        double t = time(candidates.get(c));
        ratios[c][r] = t / b;
        candMs[c][r] = t;
        baseMs[r * n + c] = b;
      }
    }
    double baseMedian = median(baseMs);
    List<Ratio> out = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      double[] s = ratios[c].clone();
      Arrays.sort(s);
      out.add(new Ratio(median(ratios[c]), s[0], s[s.length - 1], baseMedian, median(candMs[c])));
    }
    return out;
  }

  private static double time(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1e6;
  }

  static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
}

package org.dynconv.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.data.Dataset;
import org.dynconv.infer.Predictor;
import org.dynconv.routing.RoutingOutputs;

/**
 * DCD's and ODConv's attentions over a dataset (the routing signature's outputs that are not
 * routing weights: lambda, Phi, channel, filter and spatial attentions): the distribution of their
 * values, and how much they vary from image to image, which is what makes a layer dynamic.
 *
 * @param key the output key, {@code <layer scope>/<attention>}
 * @param width values per image
 * @param mean mean over all values
 * @param min smallest value
 * @param p05 5th percentile
 * @param p50 median
 * @param p95 95th percentile
 * @param max largest value
 * @param perImageStd the standard deviation over images of each value, averaged over the values:
 *     0 for an attention that ignores its input
 * @param histogram counts in {@link #BINS} equal bins over [min, max]
 */
public record AttentionStats(String key, int width, double mean, double min, double p05,
    double p50, double p95, double max, double perImageStd, long[] histogram) {
  public static final int BINS = 20;

  /** Runs the model over {@code data} and summarises every attention output; empty if none. */
  public static List<AttentionStats> collect(Predictor p, Dataset data, int batch) {
    int n = data.size();
    Map<String, float[]> all = new LinkedHashMap<>();
    for (int from = 0; from < n; from += batch) {
      int m = Math.min(batch, n - from);
      for (var e : p.attentions(data.floatPixels(from, m), m).entrySet()) {
        if (RoutingOutputs.isRoutingKey(e.getKey())) {
          continue;
        }
        int width = e.getValue().length / m;
        float[] acc = all.computeIfAbsent(e.getKey(), k -> new float[n * width]);
        System.arraycopy(e.getValue(), 0, acc, from * width, e.getValue().length);
      }
    }
    List<AttentionStats> out = new ArrayList<>();
    all.forEach((k, v) -> out.add(summarise(k, v, n)));
    return out;
  }

  static AttentionStats summarise(String key, float[] v, int images) {
    int width = v.length / images;
    double[] sorted = new double[v.length];
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      sorted[i] = v[i];
      sum += v[i];
    }
    Arrays.sort(sorted);
    double lo = sorted[0], hi = sorted[sorted.length - 1];
    long[] hist = new long[BINS];
    for (float x : v) {
      int b = hi > lo ? (int) ((x - lo) / (hi - lo) * BINS) : 0;
      hist[Math.min(BINS - 1, Math.max(0, b))]++;
    }
    double stdSum = 0;
    for (int j = 0; j < width; j++) {
      double s1 = 0, s2 = 0;
      for (int i = 0; i < images; i++) {
        double x = v[i * width + j];
        s1 += x;
        s2 += x * x;
      }
      double mean = s1 / images;
      stdSum += Math.sqrt(Math.max(0, s2 / images - mean * mean));
    }
    return new AttentionStats(key, width, sum / v.length, lo, quantile(sorted, 0.05),
        quantile(sorted, 0.5), quantile(sorted, 0.95), hi, stdSum / width, hist);
  }

  private static double quantile(double[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  }
}

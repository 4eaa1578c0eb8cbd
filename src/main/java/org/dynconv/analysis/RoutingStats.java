package org.dynconv.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.data.Dataset;
import org.dynconv.infer.Predictor;
import org.dynconv.routing.RoutingEntropy;

/**
 * Routing weights of every conditional layer over a dataset, from an exported model's {@code
 * routing} signature: a histogram, the mean weight per class and expert, the fractions near 0 and
 * near 1, and for attention that sums to 1 (DynamicConv) the mean entropy {@code -sum p log p}.
 * Layers that share one routing tensor (CondConv in one block) are grouped.
 *
 * @param layers the layer scopes sharing these weights
 * @param experts E or K
 * @param softmax weights sum to 1 per example (DynamicConv attention)
 * @param histogram counts of weights in {@link #BINS} equal bins over [0, 1]
 * @param meanByClass {@code [class][expert]} mean weight
 * @param stdByExpert standard deviation of each expert's weight over all examples
 * @param meanEntropy mean entropy of the weights normalised to sum 1
 * @param nearZero fraction of weights below 0.1
 * @param nearOne fraction of weights above 0.9
 */
public record RoutingStats(List<String> layers, int experts, boolean softmax, long[] histogram,
    double[][] meanByClass, double[] stdByExpert, double meanEntropy, double nearZero,
    double nearOne) {
  public static final int BINS = 20;

  /**
   * Runs the model over {@code data} and summarises every routing output; empty for a model
   * without routing weights (static, DCD, ODConv with one kernel).
   */
  public static List<RoutingStats> collect(Predictor p, Dataset data, int batch) {
    int n = data.size(), classes = data.numClasses();
    Map<String, float[]> all = new LinkedHashMap<>();
    for (int from = 0; from < n; from += batch) {
      int m = Math.min(batch, n - from);
      Map<String, float[]> r = p.routing(data.floatPixels(from, m), m);
      if (r.isEmpty()) {
        return List.of();
      }
      for (var e : r.entrySet()) {
        float[] acc = all.computeIfAbsent(e.getKey(), k -> new float[n * (e.getValue().length / m)]);
        System.arraycopy(e.getValue(), 0, acc, from * (e.getValue().length / m), e.getValue().length);
      }
    }
    // Group layers whose weights are the same tensor.
    List<List<String>> groups = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    for (var e : all.entrySet()) {
      int at = -1;
      for (int i = 0; i < values.size(); i++) {
        if (Arrays.equals(values.get(i), e.getValue())) {
          at = i;
        }
      }
      if (at < 0) {
        groups.add(new ArrayList<>(List.of(e.getKey())));
        values.add(e.getValue());
      } else {
        groups.get(at).add(e.getKey());
      }
    }
    List<RoutingStats> out = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      out.add(summarise(groups.get(g), values.get(g), data.labels(), classes));
    }
    return out;
  }

  static RoutingStats summarise(List<String> layers, float[] w, int[] labels, int classes) {
    int n = labels.length, e = w.length / n;
    long[] hist = new long[BINS];
    double[][] sum = new double[classes][e];
    int[] count = new int[classes];
    double[] s1 = new double[e], s2 = new double[e];
    double entropy = 0;
    long zero = 0, one = 0;
    boolean softmax = true;
    for (int i = 0; i < n; i++) {
      double rowSum = 0;
      for (int j = 0; j < e; j++) {
        double v = w[i * e + j];
        rowSum += v;
        hist[Math.min(BINS - 1, Math.max(0, (int) (v * BINS)))]++;
        sum[labels[i]][j] += v;
        s1[j] += v;
        s2[j] += v * v;
        zero += v < 0.1 ? 1 : 0;
        one += v > 0.9 ? 1 : 0;
      }
      softmax &= Math.abs(rowSum - 1) < 1e-3;
      entropy += RoutingEntropy.ofRow(w, i, e);
      count[labels[i]]++;
    }
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < e; j++) {
        sum[c][j] = count[c] == 0 ? 0 : sum[c][j] / count[c];
      }
    }
    double[] std = new double[e];
    for (int j = 0; j < e; j++) {
      double mean = s1[j] / n;
      std[j] = Math.sqrt(Math.max(0, s2[j] / n - mean * mean));
    }
    long total = (long) n * e;
    return new RoutingStats(List.copyOf(layers), e, softmax, hist, sum, std, entropy / n,
        (double) zero / total, (double) one / total);
  }

  /** The layer names without the model's root scope, joined. */
  public String label() {
    List<String> shortNames = new ArrayList<>();
    for (String l : layers) {
      int slash = l.indexOf('/');
      String s = slash < 0 ? l : l.substring(slash + 1);
      shortNames.add(s.startsWith("model/") ? s.substring(6) : s);
    }
    if (shortNames.size() == 1) {
      return shortNames.get(0);
    }
    String first = shortNames.get(0);
    String block = first.contains("/") ? first.substring(0, first.lastIndexOf('/')) : first;
    return block + " (shared by " + shortNames.size() + " layers)";
  }
}

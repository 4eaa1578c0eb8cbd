package org.dynconv.bench;

import java.util.Locale;

/**
 * One line of the benchmark CSV ({@code
 * suite,case,batch,experts,strategy,pass,ratio_median,ratio_min,ratio_max,baseline_ms}).
 */
public record BenchRow(String suite, String caseName, int batch, int experts, String strategy,
    String pass, double ratioMedian, double ratioMin, double ratioMax, double baselineMs) {
  public static final String HEADER =
      "suite,case,batch,experts,strategy,pass,ratio_median,ratio_min,ratio_max,baseline_ms";

  public static BenchRow of(String suite, String caseName, int batch, int experts, String strategy,
      String pass, Interleaved.Ratio r) {
    return new BenchRow(suite, caseName, batch, experts, strategy, pass, r.median(), r.min(),
        r.max(), r.baselineMs());
  }

  public String csv() {
    return String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%s,%.4f,%.4f,%.4f,%.4f", suite, caseName,
        batch, experts, strategy, pass, ratioMedian, ratioMin, ratioMax, baselineMs);
  }
}

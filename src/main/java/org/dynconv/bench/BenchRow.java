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

  /** The row a {@link #csv()} line holds. */
  public static BenchRow parse(String line) {
    String[] f = line.split(",", -1);
    if (f.length != 10) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has " + f.length
          + " fields; expected 10 (" + HEADER + ").");
    }
    try {
      return new BenchRow(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], f[5],
          Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
          Double.parseDouble(f[9]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has a malformed number ("
          + e.getMessage() + "); expected " + HEADER + ".");
    }
  }

  public String csv() {
    return String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%s,%.4f,%.4f,%.4f,%.4f", suite, caseName,
        batch, experts, strategy, pass, ratioMedian, ratioMin, ratioMax, baselineMs);
  }
}

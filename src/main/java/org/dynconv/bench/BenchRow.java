package org.dynconv.bench;

import java.util.Locale;

/**
 * One line of the benchmark CSV ({@code
 * suite,case,batch,experts,strategy,pass,ratio_median,ratio_min,ratio_max,baseline_ms,mac_ratio}):
 * the time ratio to the static twin and, beside it, the ratio of multiply-adds of the same pair
 * (NaN where not counted), so that {@code ratio / mac_ratio} shows how far a result is from
 * being as efficient per multiply-add as the static layer.
 */
public record BenchRow(String suite, String caseName, int batch, int experts, String strategy,
    String pass, double ratioMedian, double ratioMin, double ratioMax, double baselineMs,
    double macRatio) {
  public static final String HEADER = "suite,case,batch,experts,strategy,pass,ratio_median,"
      + "ratio_min,ratio_max,baseline_ms,mac_ratio";

  public static BenchRow of(String suite, String caseName, int batch, int experts, String strategy,
      String pass, Interleaved.Ratio r) {
    return of(suite, caseName, batch, experts, strategy, pass, r, Double.NaN);
  }

  public static BenchRow of(String suite, String caseName, int batch, int experts, String strategy,
      String pass, Interleaved.Ratio r, double macRatio) {
    return new BenchRow(suite, caseName, batch, experts, strategy, pass, r.median(), r.min(),
        r.max(), r.baselineMs(), macRatio);
  }

  /** Time ratio over multiply-add ratio: 1.0 is as efficient per multiply-add as static. */
  public double efficiency() {
    return ratioMedian / macRatio;
  }

  /** The row a {@link #csv()} line holds. */
  public static BenchRow parse(String line) {
    String[] f = line.split(",", -1);
    if (f.length != 11) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has " + f.length
          + " fields; expected 11 (" + HEADER + ").");
    }
    try {
      return new BenchRow(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], f[5],
          Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
          Double.parseDouble(f[9]), Double.parseDouble(f[10]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has a malformed number ("
          + e.getMessage() + "); expected " + HEADER + ".");
    }
  }

  public String csv() {
    return String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%s,%.4f,%.4f,%.4f,%.4f,%.4f", suite,
        caseName, batch, experts, strategy, pass, ratioMedian, ratioMin, ratioMax, baselineMs,
        macRatio);
  }
}

package org.dynconv.bench;

import java.util.Locale;

/**
 * One line of the benchmark CSV ({@code suite,case,batch,experts,strategy,pass,ratio_median,
 * ratio_min,ratio_max,baseline_ms,mac_ratio,weight_bytes,baseline_weight_bytes,floor_ms}): the
 * time ratio to the static twin and, beside it, the ratio of multiply-adds of the same pair (NaN
 * where not counted), so that {@code ratio / mac_ratio} shows how far a result is from being as
 * efficient per multiply-add as the static layer. At batch 1 a row also holds the bytes of weights
 * the candidate and its twin read per image and the time the candidate's bytes take at the run's
 * measured memory bandwidth ({@link Bandwidth}; 0 and NaN where not computed): the floor a
 * bandwidth-bound run cannot beat.
 */
public record BenchRow(String suite, String caseName, int batch, int experts, String strategy,
    String pass, double ratioMedian, double ratioMin, double ratioMax, double baselineMs,
    double macRatio, long weightBytes, long baselineWeightBytes, double floorMs) {
  public static final String HEADER = "suite,case,batch,experts,strategy,pass,ratio_median,"
      + "ratio_min,ratio_max,baseline_ms,mac_ratio,weight_bytes,baseline_weight_bytes,floor_ms";
  /** The columns of reports written before the floor was measured. */
  static final int OLD_FIELDS = 11;

  /** A row without a floor. */
  public BenchRow(String suite, String caseName, int batch, int experts, String strategy,
      String pass, double ratioMedian, double ratioMin, double ratioMax, double baselineMs,
      double macRatio) {
    this(suite, caseName, batch, experts, strategy, pass, ratioMedian, ratioMin, ratioMax,
        baselineMs, macRatio, 0, 0, Double.NaN);
  }

  public static BenchRow of(String suite, String caseName, int batch, int experts, String strategy,
      String pass, Interleaved.Ratio r) {
    return of(suite, caseName, batch, experts, strategy, pass, r, Double.NaN);
  }

  public static BenchRow of(String suite, String caseName, int batch, int experts, String strategy,
      String pass, Interleaved.Ratio r, double macRatio) {
    return new BenchRow(suite, caseName, batch, experts, strategy, pass, r.median(), r.min(),
        r.max(), r.baselineMs(), macRatio);
  }

  /**
   * This row with the weight bytes per image of the candidate and of its static twin, and the
   * candidate's read time at the measured bandwidth.
   */
  public BenchRow withFloor(long bytes, long baselineBytes, double ms) {
    return new BenchRow(suite, caseName, batch, experts, strategy, pass, ratioMedian, ratioMin,
        ratioMax, baselineMs, macRatio, bytes, baselineBytes, ms);
  }

  /** Time ratio over multiply-add ratio: 1.0 is as efficient per multiply-add as static. */
  public double efficiency() {
    return ratioMedian / macRatio;
  }

  /** The floor's time over the static twin's measured time (NaN without a floor). */
  public double floorRatio() {
    return floorMs / baselineMs;
  }

  /**
   * How far the time ratio is from the higher of the two limits that bind a candidate: its
   * multiply-adds (at the static twin's efficiency) and its weight reads (at the measured
   * bandwidth); {@code ratio / max(mac_ratio, floor_ratio)}, 1.0 = at the limit. NaN without a
   * floor.
   */
  public double limitDistance() {
    return ratioMedian / Math.max(macRatio, floorRatio());
  }

  /**
   * The time ratio if the candidate did its multiply-adds at the static twin's efficiency and
   * read the weights the twin does not have without overlapping them with compute: {@code
   * mac_ratio + (weight_bytes - baseline_weight_bytes) / bandwidth / baseline_ms}; the floor is
   * {@code weight_bytes / bandwidth}, so the extra bytes take the share {@code 1 -
   * baseline_weight_bytes / weight_bytes} of it. NaN without a floor.
   */
  public double serialLimit() {
    double extraShare = 1 - (double) baselineWeightBytes / weightBytes;
    return macRatio + floorMs * extraShare / baselineMs;
  }

  /** The row a {@link #csv()} line holds. */
  public static BenchRow parse(String line) {
    String[] f = line.split(",", -1);
    int fields = HEADER.split(",").length;
    if (f.length != fields && f.length != OLD_FIELDS) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has " + f.length
          + " fields; expected " + fields + " (" + HEADER + ") or the first " + OLD_FIELDS + ".");
    }
    try {
      BenchRow r = new BenchRow(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4],
          f[5], Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
          Double.parseDouble(f[9]), Double.parseDouble(f[10]));
      return f.length == OLD_FIELDS ? r
          : r.withFloor(Long.parseLong(f[11]), Long.parseLong(f[12]), Double.parseDouble(f[13]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("BenchRow: line '" + line + "' has a malformed number ("
          + e.getMessage() + "); expected " + HEADER + ".");
    }
  }

  public String csv() {
    return String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%d,%.6f",
        suite, caseName, batch, experts, strategy, pass, ratioMedian, ratioMin, ratioMax,
        baselineMs, macRatio, weightBytes, baselineWeightBytes, floorMs);
  }
}

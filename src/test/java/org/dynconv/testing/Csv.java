package org.dynconv.testing;

import java.util.stream.Collectors;

/** CSV helpers for comparing run logs. */
public final class Csv {
  private Csv() {}

  /** The text with column {@code index} (0-based) removed from every line. */
  public static String dropColumn(String text, int index) {
    return text.lines().map(l -> {
      String[] f = l.split(",", -1);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < f.length; i++) {
        if (i != index) {
          sb.append(sb.length() == 0 ? "" : ",").append(f[i]);
        }
      }
      return sb.toString();
    }).collect(Collectors.joining("\n"));
  }

  /** A run's log.csv without its wall-time column ("seconds"), which is not computed. */
  public static String withoutSeconds(String logCsv) {
    return dropColumn(logCsv, 7);
  }
}

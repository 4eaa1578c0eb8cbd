package org.dynconv.study;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run's {@code log.csv} as the study reads it: per epoch the validation accuracy (the
 * trainer's "test_accuracy" column: the study validates on its hold-out), the epoch's seconds and
 * the mean routing entropy over the layers that route.
 *
 * @param validation per epoch
 * @param seconds per epoch (training plus the validation pass)
 * @param entropy per epoch, NaN without routing
 */
public record RunLog(double[] validation, double[] seconds, double[] entropy) {
  public static RunLog read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.size() < 2) {
      throw new IllegalStateException("RunLog: '" + file + "' has no epoch line; expected a log.csv"
          + " of a finished run.");
    }
    String[] header = lines.get(0).split(",");
    int acc = index(header, "test_accuracy", file), sec = index(header, "seconds", file);
    List<Integer> ent = new ArrayList<>();
    for (int i = 0; i < header.length; i++) {
      if (header[i].startsWith("entropy:")) {
        ent.add(i);
      }
    }
    int n = lines.size() - 1;
    double[] v = new double[n], s = new double[n], e = new double[n];
    for (int k = 0; k < n; k++) {
      String[] f = lines.get(k + 1).split(",");
      v[k] = Double.parseDouble(f[acc]);
      s[k] = Double.parseDouble(f[sec]);
      double sum = 0;
      for (int i : ent) {
        sum += Double.parseDouble(f[i]);
      }
      e[k] = ent.isEmpty() ? Double.NaN : sum / ent.size();
    }
    return new RunLog(v, s, e);
  }

  private static int index(String[] header, String name, Path file) {
    for (int i = 0; i < header.length; i++) {
      if (header[i].equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("RunLog: '" + file + "' has no '" + name + "' column.");
  }

  public double lastValidation() {
    return validation[validation.length - 1];
  }

  public double lastEntropy() {
    return entropy[entropy.length - 1];
  }

  /** Total seconds over the epochs. */
  public double totalSeconds() {
    double t = 0;
    for (double x : seconds) {
      t += x;
    }
    return t;
  }
}

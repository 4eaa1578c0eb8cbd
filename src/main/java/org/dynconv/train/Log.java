package org.dynconv.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dynconv.io.AtomicFiles;

/**
 * {@code log.csv}: one line per epoch with the training and test metrics, the temperature, the
 * learning rate and, per conditional layer, the mean entropy of its routing weights on the test
 * set. Rewritten atomically on every append; a resumed run drops lines of epochs it will redo.
 */
final class Log {
  private final Path file;
  private final String header;

  Log(Path file, Collection<String> routedLayers) {
    this.file = file;
    StringBuilder h = new StringBuilder(
        "epoch,step,train_loss,train_accuracy,test_accuracy,temperature,learning_rate,seconds");
    for (String l : routedLayers) {
      h.append(",entropy:").append(l);
    }
    this.header = h.toString();
  }

  void truncateTo(int epochsDone) throws IOException {
    List<String> keep = lines();
    keep.removeIf(l -> Integer.parseInt(l.split(",", 2)[0]) > epochsDone);
    write(keep);
  }

  void append(int epoch, long step, double loss, double acc, double testAcc, double temperature,
      double lr, double seconds, Map<String, Double> entropy) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%s,%.6g,%.2f", epoch, step, loss, acc,
        testAcc, Double.isNaN(temperature) ? "" : String.format(Locale.ROOT, "%.4f", temperature), lr,
        seconds));
    for (double e : entropy.values()) {
      sb.append(String.format(Locale.ROOT, ",%.6f", e));
    }
    List<String> all = lines();
    all.add(sb.toString());
    write(all);
  }

  /** The test accuracy of the last epoch logged, or NaN when none is. */
  double lastTestAccuracy() throws IOException {
    List<String> rows = lines();
    if (rows.isEmpty()) {
      return Double.NaN;
    }
    return Double.parseDouble(rows.get(rows.size() - 1).split(",")[4]);
  }

  private List<String> lines() throws IOException {
    List<String> out = new ArrayList<>();
    if (Files.isRegularFile(file)) {
      List<String> raw = Files.readAllLines(file);
      out.addAll(raw.subList(Math.min(1, raw.size()), raw.size()));
    }
    out.removeIf(String::isBlank);
    return out;
  }

  private void write(List<String> rows) throws IOException {
    AtomicFiles.writeString(file, header + "\n" + String.join("\n", rows) + (rows.isEmpty() ? "" : "\n"));
  }
}

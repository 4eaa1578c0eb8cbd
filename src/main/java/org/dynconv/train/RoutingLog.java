package org.dynconv.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dynconv.io.AtomicFiles;

/**
 * {@code routing_entropy.csv}: about twenty samples per epoch of the mean routing entropy of the
 * training batch, with the temperature it was computed at, so the sharpening of DynamicConv's
 * attention can be drawn against the annealed temperature. Written atomically at checkpoints; a
 * resumed run drops samples past its checkpoint.
 */
final class RoutingLog {
  private static final String HEADER = "step,epoch,temperature,mean_entropy";
  private final Path file;
  private final List<String> rows = new ArrayList<>();

  RoutingLog(Path file) {
    this.file = file;
  }

  void truncateTo(long step) throws IOException {
    rows.clear();
    if (Files.isRegularFile(file)) {
      for (String l : Files.readAllLines(file)) {
        if (!l.isBlank() && !l.equals(HEADER) && Long.parseLong(l.split(",", 2)[0]) < step) {
          rows.add(l);
        }
      }
    }
  }

  void add(long step, double epoch, double temperature, double entropy) {
    rows.add(String.format(Locale.ROOT, "%d,%.4f,%.4f,%.6f", step, epoch, temperature, entropy));
  }

  void flush() throws IOException {
    if (!rows.isEmpty()) {
      AtomicFiles.writeString(file, HEADER + "\n" + String.join("\n", rows) + "\n");
    }
  }
}

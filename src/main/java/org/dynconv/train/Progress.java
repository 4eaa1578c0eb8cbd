package org.dynconv.train;

import java.io.PrintStream;

/**
 * The per-epoch progress line: {@code epoch 2/8 [=====>    ] 80/156 loss 0.412 acc 0.851 T 12.4
 * 640 img/s ETA 0:07}. On a terminal it redraws one line; otherwise (a log) it prints three lines per
 * epoch.
 */
final class Progress {
  private static final int WIDTH = 24;
  private final PrintStream out;
  private final boolean redraw;
  private final int epochs;
  private int lastPart = -1;

  Progress(PrintStream out, boolean redraw, int epochs) {
    this.out = out;
    this.redraw = redraw;
    this.epochs = epochs;
  }

  void step(int epoch, int done, int total, double loss, double acc, double temperature,
      double imagesPerSecond, double etaSeconds) {
    // A terminal redraws one line ten times an epoch; a log (not a terminal) gets three lines.
    int part = done * (redraw ? 10 : 3) / total;
    if (part == lastPart && done != total || !redraw && part == 0) {
      return;
    }
    lastPart = part;
    int filled = (int) ((long) WIDTH * done / total);
    String bar = "=".repeat(filled) + (filled < WIDTH ? ">" : "") + " ".repeat(Math.max(0, WIDTH - filled - 1));
    String t = Double.isNaN(temperature) ? "" : String.format(" T %.2f", temperature);
    String line = String.format("epoch %d/%d [%s] %d/%d loss %.4f acc %.4f%s %.0f img/s ETA %s",
        epoch + 1, epochs, bar, done, total, loss, acc, t, imagesPerSecond, clock(etaSeconds));
    if (redraw) {
      out.print("\r" + line);
      if (done == total) {
        out.println();
      }
    } else {
      out.println(line);
    }
    out.flush();
  }

  void newEpoch() {
    lastPart = -1;
  }

  static String clock(double seconds) {
    long s = Math.max(0, Math.round(seconds));
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}

package org.dynconv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.dynconv.infer.Predictor;

/**
 * Repeated predictions through one loaded SavedModel while watching the process's resident memory
 * (VmRSS from /proc/self/status): after a warm-up, growth over many calls shows native memory
 * that is not released (unclosed tensors or results).
 */
public final class MemorySoak {
  private MemorySoak() {}

  /** RSS after the warm-up and after the measured calls. */
  public record Result(long calls, long rssAfterWarmup, long rssAfter) {
    public long growthBytes() {
      return rssAfter - rssAfterWarmup;
    }
  }

  public static Result run(Predictor p, int warmup, int calls, int batch) {
    float[] px = new float[batch * p.height() * p.width() * p.channels()];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) (r.nextDouble() * 255);
    }
    for (int i = 0; i < warmup; i++) {
      p.predict(px, batch);
    }
    System.gc();
    long before = rss();
    for (int i = 0; i < calls; i++) {
      p.predict(px, batch);
    }
    System.gc();
    return new Result(calls, before, rss());
  }

  /** Resident set size of this process in bytes (Linux), or -1 where unavailable. */
  public static long rss() {
    return rss(ProcessHandle.current().pid());
  }

  /** Resident set size of process {@code pid} in bytes (Linux), or -1 where unavailable. */
  public static long rss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}

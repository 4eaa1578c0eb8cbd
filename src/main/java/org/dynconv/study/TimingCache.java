package org.dynconv.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dynconv.bench.Interleaved;
import org.dynconv.bench.ModelBench;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;

/**
 * Inference time of each family member over the static member of the same width, at batch 1 and
 * 32, measured once per member in this process as {@code bench --suite models} measures it
 * (SavedModels with random weights loaded through {@link Predictor}, interleaved with the static
 * one) and kept in {@code timing.csv}, so that a resumed study reuses them and every seed of a
 * member shares one measurement.
 */
final class TimingCache {
  static final String HEADER = "model,conv,ratio_b1,ratio_b32,ms_b1,ms_b32";
  private final Path file;
  private final Map<String, double[]> ratios = new LinkedHashMap<>();

  TimingCache(Path file) throws IOException {
    this.file = file;
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 1; i < lines.size(); i++) {
        String[] f = lines.get(i).split(",");
        if (f.length == 6) {
          ratios.put(f[0] + "," + f[1], new double[] {Double.parseDouble(f[2]),
              Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5])});
        }
      }
    }
  }

  /**
   * {ratio at batch 1, ratio at batch 32, ms at batch 1, ms at batch 32}, measured now if not yet
   * known (0 reps: NaN). The static member is timed against a second export of itself, so its
   * ratios (near 1) show the measurement's noise.
   */
  double[] get(StudyCell cell, int reps, Threads threads, PrintStream log) throws IOException {
    double[] known = ratios.get(cell.memberKey());
    if (known != null) {
      return known;
    }
    if (reps == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }
    double[] r = measure(cell, reps, threads);
    log.printf(Locale.ROOT, "  timing %s %s: %.2fx static at B=1, %.2fx at B=32%n", cell.model(),
        cell.conv(), r[0], r[1]);
    ratios.put(cell.memberKey(), r);
    if (!Files.exists(file)) {
      AtomicFiles.writeString(file, HEADER + "\n");
    }
    Files.writeString(file, String.format(Locale.ROOT, "%s,%.4f,%.4f,%.4f,%.4f%n",
        cell.memberKey(), r[0], r[1], r[2], r[3]), StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    return r;
  }

  private static double[] measure(StudyCell cell, int reps, Threads threads) throws IOException {
    Path dir = Files.createTempDirectory("dynconv-study-timing-");
    try {
      StudyCell twin = cell.staticTwin();
      try (Predictor base = Predictor.load(ModelBench.export(twin.spec(), "static", "", dir, threads),
              threads);
          Predictor cand = Predictor.load(ModelBench.export(cell.spec(), "candidate", "", dir,
              threads), threads)) {
        Interleaved.Ratio b1 = ModelBench.ratio(base, cand, 1, 3, reps);
        Interleaved.Ratio b32 = ModelBench.ratio(base, cand, 32, 3, reps);
        return new double[] {b1.median(), b32.median(), b1.candidateMs(), b32.candidateMs()};
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }
}

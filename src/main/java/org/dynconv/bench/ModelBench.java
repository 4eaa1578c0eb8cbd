package org.dynconv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.ModelSpec;
import org.dynconv.models.ModelZoo;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The models suite: conditional models against their static twin, inference at batch 1 and 32,
 * each exported as a SavedModel (random weights) and loaded through {@link Predictor}, the path
 * users take.
 */
public final class ModelBench {
  private ModelBench() {}

  /** A conditional model and the static model it is compared with. */
  public record Pair(String model, String baseline, int experts) {}

  public static final List<Pair> PAIRS = List.of(
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8),
      new Pair("efficientnet-condconv-b0-4e", "efficientnet-b0", 4),
      new Pair("small-cnn-condconv", "small-cnn-static", 4),
      new Pair("small-cnn-dynamic", "small-cnn-static", 4));

  public static List<BenchRow> run(List<Pair> pairs, int[] batches, Threads threads, int warmup,
      int reps, PrintStream log) throws IOException {
    Path dir = Files.createTempDirectory("dynconv-bench-models-");
    List<BenchRow> rows = new ArrayList<>();
    try {
      for (Pair pair : pairs) {
        try (Predictor base = Predictor.load(export(pair.baseline(), dir, threads));
            Predictor cond = Predictor.load(export(pair.model(), dir, threads))) {
          for (int b : batches) {
            float[] px = pixels(b, base);
            Interleaved.Ratio r = Interleaved.measure(() -> base.predict(px, b),
                List.of(() -> cond.predict(px, b)), warmup, reps).get(0);
            rows.add(BenchRow.of("models", pair.model() + " vs " + pair.baseline(), b,
                pair.experts(), "AUTO", "forward", r));
            log.printf("  %-30s vs %-18s B=%-2d %8.2f ms vs %8.2f ms: %.2fx (%.2f-%.2f)%n",
                pair.model(), pair.baseline(), b, r.candidateMs(), r.baselineMs(), r.median(),
                r.min(), r.max());
          }
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
    return rows;
  }

  static float[] pixels(int b, Predictor p) {
    float[] px = new float[b * p.height() * p.width() * p.channels()];
    SplittableRandom r = new SplittableRandom(b);
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) (r.nextDouble() * 255);
    }
    return px;
  }

  /** The small CondConv CNN exported with random weights, for the memory soak. */
  public static Path exportForMemory(Path dir, Threads threads) throws IOException {
    return export("small-cnn-condconv", dir, threads);
  }

  /** Exports {@code name} with seeded random weights (once per benchmark run). */
  static Path export(String name, Path dir, Threads threads) throws IOException {
    Path out = dir.resolve(name);
    if (Files.exists(out)) {
      return out;
    }
    ModelSpec spec = ModelZoo.get(name);
    Path weights = dir.resolve(name + "-weights").resolve("w");
    try (Graph g = new Graph()) {
      spec.build(LayerScope.root(g, 7), Mode.INFER);
      try (Session s = new Session(g)) {
        s.initialize();
        s.save(weights.toString());
      }
    }
    return SavedModelExporter.export(spec, weights, new SavedModelExporter.Target(out, false, 0),
        null, Map.of(), threads);
  }
}

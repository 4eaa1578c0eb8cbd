package org.dynconv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.BankPrecision;
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
 * users take. At batch 1 a row carries the conditional model's weight floor: every variable
 * (float32) is read once per image.
 */
public final class ModelBench {
  private ModelBench() {}

  /**
   * A conditional model and the static model it is compared with, both exported the same way.
   *
   * @param variant "" (the default export: dynamic batch), "copies-1-32" (plus batch-1 and
   *     batch-32 signatures on copies that Predictor runs at those sizes), "batch-N" (static batch N,
   *     measured at B = N only: batch 1 gets batch-1 fusion, larger batches the LOOP strategy,
   *     which needs a known batch), "folded" (BatchNorms folded into the convolutions) or
   *     "bfloat16" / "float16" (the conditional model's expert banks at half width; static models
   *     have none, so their export is the default one) or "kernels" ({@code export --kernels}:
   *     AUTO may use dynconv's own kernel op; static models have no conditional layer, so their
   *     export holds TensorFlow's ops only)
   */
  public record Pair(String model, String baseline, int experts, String variant) {
    String label() {
      return model + " vs " + baseline + (variant.isEmpty() ? "" : " (" + variant + " exports)");
    }

    int staticBatch() {
      return ModelBench.staticBatch(variant);
    }
  }

  public static final List<Pair> PAIRS = List.of(
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, ""),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "copies-1-32"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "batch-1"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "batch-32"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "folded"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "bfloat16"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "float16"),
      new Pair("efficientnet-condconv-b0-8e", "efficientnet-b0", 8, "kernels"),
      new Pair("efficientnet-condconv-b0-4e", "efficientnet-b0", 4, ""),
      new Pair("small-cnn-condconv", "small-cnn-static", 4, ""),
      new Pair("small-cnn-condconv", "small-cnn-static", 4, "copies-1-32"),
      new Pair("small-cnn-condconv", "small-cnn-static", 4, "batch-32"),
      new Pair("small-cnn-condconv", "small-cnn-static", 4, "kernels"),
      new Pair("small-cnn-dynamic", "small-cnn-static", 4, ""),
      new Pair("small-cnn-dynamic", "small-cnn-static", 4, "kernels"),
      new Pair("small-cnn-dcd", "small-cnn-static", 1, ""),
      new Pair("small-cnn-odconv", "small-cnn-static", 1, ""),
      new Pair("small-cnn-odconv", "small-cnn-static", 1, "batch-1"),
      new Pair("small-cnn-odconv", "small-cnn-static", 1, "batch-32"));

  /**
   * @param bandwidth bytes per second of a streaming read ({@link Bandwidth}), for the batch-1
   *     floors
   */
  public static List<BenchRow> run(List<Pair> pairs, int[] batches, Threads threads, int warmup,
      int reps, double bandwidth, PrintStream log) throws IOException {
    Path dir = Files.createTempDirectory("dynconv-bench-models-");
    List<BenchRow> rows = new ArrayList<>();
    try {
      for (Pair pair : pairs) {
        try (Predictor base = Predictor.load(export(pair.baseline(), pair.variant(), dir, threads),
                threads);
            Predictor cond = Predictor.load(export(pair.model(), pair.variant(), dir, threads),
                threads)) {
          Footprint model = Footprint.of(pair.model(), bankPrecision(pair.variant()));
          Footprint baseline = Footprint.of(pair.baseline(), BankPrecision.FLOAT32);
          for (int b : batches) {
            if (pair.staticBatch() > 0 && b != pair.staticBatch()) {
              continue;
            }
            float[] px = pixels(b, base);
            Interleaved.Ratio r = Interleaved.measure(() -> base.predict(px, b),
                List.of(() -> cond.predict(px, b)), warmup, reps).get(0);
            BenchRow row = BenchRow.of("models", pair.label(), b, pair.experts(), "AUTO",
                "forward", r, (double) model.macs() / baseline.macs());
            String floor = "";
            if (b == 1) {
              long bytes = model.weightBytes(), baseBytes = baseline.weightBytes();
              row = row.withFloor(bytes, baseBytes, Bandwidth.floorMs(bytes, bandwidth));
              floor = String.format(" | weights %.1f MB vs %.1f MB: floors %.2f ms vs %.2f ms",
                  bytes / 1e6, baseBytes / 1e6, row.floorMs(),
                  Bandwidth.floorMs(baseBytes, bandwidth));
            }
            rows.add(row);
            log.printf("  %-66s B=%-2d %8.2f ms vs %8.2f ms: %.2fx (%.2f-%.2f)%s%n", pair.label(), b,
                r.candidateMs(), r.baselineMs(), r.median(), r.min(), r.max(), floor);
          }
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
    return rows;
  }

  /**
   * A zoo model's multiply-adds per image and the bytes of weights it reads per image at batch 1
   * (every variable of its inference graph, trainable and BatchNorm moving statistics: 4 bytes a
   * scalar, 2 in a half-width bank), from one build of its graph.
   */
  record Footprint(long macs, long weightBytes) {
    static Footprint of(String name, BankPrecision bank) {
      try (Graph g = new Graph()) {
        org.dynconv.models.Model m = ModelZoo.get(name).build(LayerScope.root(g, 0),
            new org.dynconv.models.BuildOptions(Mode.INFER, -1, false, bank));
        return new Footprint(m.macsPerImage(), m.variables().stream()
            .mapToLong(v -> v.size() * (v.halfWidth() ? 2 : Float.BYTES)).sum());
      }
    }
  }

  /** The batch sizes a variant's export gives signatures of their own. */
  static List<Long> batchSignatures(String variant) {
    if (variant.startsWith("copies-")) {
      return Arrays.stream(variant.substring(7).split("-")).map(Long::valueOf).toList();
    }
    return List.of();
  }

  /** The static batch of a "batch-N" variant, else -1 (dynamic). */
  static int staticBatch(String variant) {
    return variant.startsWith("batch-") ? Integer.parseInt(variant.substring(6)) : -1;
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
    return export("small-cnn-condconv", "", dir, threads);
  }

  /** Exports {@code name} with seeded random weights (once per benchmark run). */
  static Path export(String name, String variant, Path dir, Threads threads) throws IOException {
    return export(ModelZoo.get(name), name + (variant.isEmpty() ? "" : "-" + variant), variant,
        dir, threads);
  }

  /**
   * Exports {@code spec} with seeded random weights into {@code dir/label} (once: an existing
   * export is reused). Weights do not change inference time, so timings use such exports.
   *
   * @param variant "" (dynamic batch), "batch-N", "folded", "bfloat16" or "float16"
   */
  public static Path export(ModelSpec spec, String label, String variant, Path dir,
      Threads threads) throws IOException {
    Path out = dir.resolve(label);
    if (Files.exists(out)) {
      return out;
    }
    Path weights = dir.resolve(label + "-weights").resolve("w");
    if (!Files.exists(weights.resolveSibling("w.index"))) {
      try (Graph g = new Graph()) {
        spec.build(LayerScope.root(g, 7), Mode.INFER);
        try (Session s = new Session(g)) {
          s.initialize();
          s.save(weights.toString());
        }
      }
    }
    return SavedModelExporter.export(spec, weights, new SavedModelExporter.Target(out, false, 0,
        variant.equals("folded"), staticBatch(variant), batchSignatures(variant),
        bankPrecision(variant), variant.equals("kernels")), null, Map.of(), threads);
  }

  /** The bank precision of a "bfloat16" or "float16" variant (half-width banks), else float32. */
  static BankPrecision bankPrecision(String variant) {
    return variant.equals("bfloat16") || variant.equals("float16")
        ? BankPrecision.parse("variant", variant) : BankPrecision.FLOAT32;
  }

  /**
   * The inference time of {@code candidate} over {@code baseline} through {@link Predictor} at
   * batch {@code b}, interleaved in this process (the models suite's measurement).
   */
  public static Interleaved.Ratio ratio(Predictor baseline, Predictor candidate, int b, int warmup,
      int reps) {
    float[] px = pixels(b, baseline);
    return Interleaved.measure(() -> baseline.predict(px, b), List.of(() -> candidate.predict(px, b)),
        warmup, reps).get(0);
  }
}

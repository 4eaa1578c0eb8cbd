package org.dynconv.cli;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.dynconv.bench.BankBench;
import org.dynconv.bench.BenchReport;
import org.dynconv.bench.AutoTableWriter;
import org.dynconv.conv.AutoTable;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.bench.BenchRow;
import org.dynconv.bench.ChunkBench;
import org.dynconv.bench.DistributedBench;
import org.dynconv.bench.FamilyBench;
import org.dynconv.bench.LayerBench;
import org.dynconv.bench.LayerCase;
import org.dynconv.bench.Bandwidth;
import org.dynconv.bench.Machine;
import org.dynconv.bench.MemorySoak;
import org.dynconv.bench.ModelBench;
import org.dynconv.bench.ServeBench;
import org.dynconv.bench.TrainBench;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Measure conditional layers, models and training steps as"
    + " ratios to their static twins (interleaved in one process), and native memory under load;"
    + " writes bench.md, bench.csv and bench.png.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--suite", defaultValue = "all",
      description = "layers (CondConv strategies, then DCD and ODConv), family (DCD and ODConv"
          + " only), models, train, memory, serve, distributed (data-parallel steps with 1 and 2"
          + " workers), chunk (BATCHED_MATMUL's chunk sizes at batch 32), bank (batch-1 mixing with"
          + " half-width expert banks), profile or all (default all; profile, distributed, chunk"
          + " and bank are not part of all).")
  String suite;

  @Option(names = "--quick", description = "Fewer repetitions and cases: about two minutes.")
  boolean quick;

  @Option(names = "--out", defaultValue = "bench", description = "Output directory (default bench).")
  Path out;

  @Mixin ThreadOptions threads;

  @Override
  public Integer call() throws Exception {
    if (!List.of("layers", "family", "models", "train", "memory", "serve", "distributed",
        "chunk", "bank", "profile", "all").contains(suite)) {
      throw new CliErrors.UsageError("--suite=" + suite + " is invalid; expected layers, family,"
          + " models, train, memory, serve, distributed, chunk, bank, profile or all.");
    }
    Threads th = threads.value();
    Machine machine = Machine.describe(th);
    System.out.println("machine: " + machine.line());
    int warmup = quick ? 1 : 3, reps = quick ? 3 : 15;
    List<BenchRow> rows = new ArrayList<>();
    boolean all = suite.equals("all");
    double bandwidth = Double.NaN;
    if (all || List.of("layers", "family", "models", "bank").contains(suite)) {
      int readers = Runtime.getRuntime().availableProcessors();
      bandwidth = Bandwidth.measure(readers);
      System.out.printf("memory bandwidth: %.1f GB/s (TensorFlow reduce_sum over 256 MB, %d threads);"
          + " batch-1 rows show the weight bytes per image and the floor time they imply%n",
          bandwidth / 1e9, readers);
    }
    if (all || suite.equals("layers")) {
      System.out.println("layers (forward and forward + backward, ratio to static):");
      List<LayerCase> cases = new ArrayList<>(LayerCase.efficientnetCondconvB0());
      cases.addAll(LayerCase.smallCnn());
      List<BenchRow> layers = LayerBench.run(cases, new int[] {1, 8, 32},
          quick ? new int[] {8} : new int[] {4, 8}, true, th, warmup, reps, bandwidth, System.out);
      rows.addAll(layers);
      java.util.Map<String, String> kinds = new java.util.HashMap<>();
      cases.forEach(c -> kinds.put(c.name(), c.kindKey()));
      java.nio.file.Files.createDirectories(out);
      System.out.println("wrote " + AutoTableWriter.write(layers, kinds, LocalDate.now() + ", "
          + machine.line() + (quick ? ", --quick" : ""), out.resolve(AutoTable.fileName(RuntimeSupport.oneDnn()))) + " (copy it over the resource"
          + " of that name in src/main/resources/org/dynconv/conv/ to make it AUTO's table for"
          + " runtimes " + (RuntimeSupport.oneDnn() ? "with" : "without") + " oneDNN)");
    }
    if (all || suite.equals("layers") || suite.equals("family")) {
      System.out.println("layers, DCD and ODConv (time ratio to static / multiply-add ratio ="
          + " efficiency):");
      List<LayerCase> cases = new ArrayList<>(LayerCase.efficientnetCondconvB0());
      cases.addAll(LayerCase.smallCnn());
      rows.addAll(FamilyBench.run(cases, true, th, warmup, reps, bandwidth, System.out));
    }
    if (all || suite.equals("models")) {
      System.out.println("models (inference through SavedModel, ratio to static twin):");
      rows.addAll(ModelBench.run(ModelBench.PAIRS, new int[] {1, 32}, th, warmup,
          quick ? 3 : 10, bandwidth, System.out));
    }
    if (all || suite.equals("train")) {
      System.out.println("train (one step at batch 64, ratio to static):");
      rows.addAll(TrainBench.run(th, warmup, reps, System.out));
    }
    if (all || suite.equals("memory")) {
      int calls = quick ? 2_000 : 10_000;
      Path dir = java.nio.file.Files.createTempDirectory("dynconv-bench-memory-");
      try (Predictor p = Predictor.load(ModelBench.exportForMemory(dir, th))) {
        MemorySoak.Result r = MemorySoak.run(p, 500, calls, 1);
        System.out.printf("memory: %,d predictions through one SavedModel: RSS %.1f MB after warm-up,"
            + " %.1f MB after, growth %.1f MB%n", r.calls(), r.rssAfterWarmup() / 1e6,
            r.rssAfter() / 1e6, r.growthBytes() / 1e6);
      } finally {
        org.dynconv.io.AtomicFiles.deleteTree(dir);
      }
    }
    if (all || suite.equals("serve")) {
      System.out.println("serve (one-image predict requests to 'serve' on 127.0.0.1; ratio to the"
          + " same model called in process):");
      Path dir = java.nio.file.Files.createTempDirectory("dynconv-bench-serve-");
      try {
        List<ServeBench.Row> serve = ServeBench.run(dir, th, quick ? 200 : 1000, System.out);
        java.nio.file.Files.createDirectories(out);
        ServeBench.writeCsv(serve, out.resolve("serve.csv"));
        System.out.println("wrote " + out.resolve("serve.csv"));
      } finally {
        org.dynconv.io.AtomicFiles.deleteTree(dir);
      }
    }
    if (suite.equals("distributed")) {
      System.out.println("distributed (one synchronous training step, 1 and 2 workers on 127.0.0.1,"
          + " one TensorFlow thread per worker, batch 8 per worker; EfficientNets at 32x32):");
      List<DistributedBench.Row> d = DistributedBench.run(quick ? DistributedBench.MODELS.subList(0,
          2) : DistributedBench.MODELS, 8, warmup, quick ? 5 : 20, System.out);
      java.nio.file.Files.createDirectories(out);
      DistributedBench.writeCsv(d, out.resolve("distributed.csv"));
      System.out.println("wrote " + out.resolve("distributed.csv"));
    }
    if (suite.equals("chunk")) {
      System.out.println("chunk (BATCHED_MATMUL mixing and multiplying chunks of the batch, 1x1"
          + " CondConv layers of efficientnet-condconv-b0, B=32, E=8; ratio to static):");
      rows.addAll(ChunkBench.run(LayerCase.efficientnetCondconvB0(), 32, 8, th, warmup, reps,
          System.out));
    }
    if (suite.equals("bank")) {
      System.out.println("bank (batch-1 mixing [1,8]x[8,P] with the bank at half width, against"
          + " float32 mixing; conditional layer shapes of efficientnet-condconv-b0, E=8):");
      rows.addAll(BankBench.run(LayerCase.efficientnetCondconvB0(), 8, th, warmup, reps, bandwidth,
          System.out));
    }
    if (suite.equals("profile")) {
      profile(th);
    }
    if (!rows.isEmpty()) {
      BenchReport.write(rows, machine, bandwidth, LocalDate.now().toString(), out);
      System.out.println(BenchReport.markdown(rows, machine, bandwidth, LocalDate.now().toString()));
      System.out.println("wrote " + out.resolve("bench.md") + ", " + out.resolve("bench.csv") + ", "
          + out.resolve("bench.png"));
    }
    return 0;
  }

  /** Op-level profiles of the cases src/site/markdown/results/performance.md explains. */
  private void profile(Threads th) {
    System.out.println("profile, DCD and ODConv (TensorFlow trace, kernel time by op type):");
    List<LayerCase> family = new ArrayList<>(LayerCase.efficientnetCondconvB0());
    family.addAll(LayerCase.smallCnn());
    int runs = quick ? 3 : 10;
    for (String[] p : new String[][] {{"expand 112->672 14x14", "DCD"},
        {"project 672->112 14x14", "DCD"}, {"expand 112->672 14x14", "ODConv1"},
        {"small-cnn 3x3 64->64 14x14", "DCD"}, {"small-cnn 3x3 64->64 14x14", "ODConv1"}}) {
      LayerCase c = family.stream().filter(x -> x.name().equals(p[0])).findFirst().orElseThrow();
      FamilyBench.profile(c, 1, false, p[1], th, runs, System.out);
      FamilyBench.profile(c, 32, false, p[1], th, runs, System.out);
      FamilyBench.profile(c, 32, true, p[1], th, runs, System.out);
    }
    System.out.println("profile (TensorFlow trace, kernel time by op type, E=8):");
    List<LayerCase> all = new ArrayList<>(LayerCase.efficientnetCondconvB0());
    all.addAll(LayerCase.smallCnn());
    for (String name : List.of("expand 192->1152 7x7", "depthwise 5x5 s1 672 14x14",
        "small-cnn 3x3 128->128 7x7")) {
      LayerCase c = all.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
      LayerBench.profile(c, 1, 8, false, th, quick ? 3 : 10, System.out);
      LayerBench.profile(c, 32, 8, false, th, quick ? 3 : 10, System.out);
      LayerBench.profile(c, 32, 8, true, th, quick ? 3 : 10, System.out);
    }
    System.out.println("profile (TensorFlow trace, kernel time by op type, training steps):");
    for (String[] m : new String[][] {{"small-cnn-condconv", "small-cnn-static"},
        {"mobilenetv2-0.25-condconv", "mobilenetv2-0.25-static"},
        {"mobilenetv2-0.25-dynamic", "mobilenetv2-0.25-static"}}) {
      TrainBench.profile(m[0], m[1], th, quick ? 3 : 10, System.out);
    }
  }
}

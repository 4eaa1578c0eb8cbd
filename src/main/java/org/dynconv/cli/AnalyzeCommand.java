package org.dynconv.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.dynconv.analysis.AttentionStats;
import org.dynconv.analysis.RoutingReport;
import org.dynconv.analysis.RoutingStats;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.infer.Predictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "analyze", description = "Run an exported model's routing signature over a dataset"
    + " and draw what the routing learned (histograms, per-class heatmaps, attention entropy) plus a"
    + " CSV; with --run, also the training curves.")
final class AnalyzeCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  ThreadOptions threadOptions = new ThreadOptions();

  @Option(names = "--model", description = "SavedModel directory (required unless --compare).")
  Path model;

  @Option(names = "--data", description = "Fashion-MNIST directory (default: the embedded test subset).")
  Path data;

  @Option(names = "--out", defaultValue = "analysis", description = "Output directory (default analysis).")
  Path out;

  @Option(names = "--run", description = "A training run directory whose log.csv to plot.")
  Path run;

  @Option(names = "--compare", split = ",", description = "Run directories (DIR or DIR=LABEL) of"
      + " the same model to draw side by side: routing entropy per layer and test accuracy per"
      + " epoch (writes compare_runs.png).")
  List<String> compare;

  @Override
  public Integer call() throws Exception {
    if (compare != null) {
      List<Path> dirs = new java.util.ArrayList<>();
      List<String> labels = new java.util.ArrayList<>();
      for (String c : compare) {
        String[] kv = c.split("=", 2);
        Path d = Path.of(kv[0]);
        if (!Files.isRegularFile(d.resolve("log.csv"))) {
          throw new CliErrors.UsageError("--compare '" + d + "' has no log.csv; expected a run"
              + " directory written by 'train'.");
        }
        dirs.add(d);
        labels.add(kv.length == 2 ? kv[1] : d.getFileName().toString());
      }
      Files.createDirectories(out);
      System.out.println("wrote " + RoutingReport.compareRuns(dirs, labels,
          out.resolve("compare_runs.png")));
      if (model == null) {
        return 0;
      }
    }
    if (model == null) {
      throw new CliErrors.UsageError("--model is required (unless --compare is given).");
    }
    if (run != null && !Files.isRegularFile(run.resolve("log.csv"))) {
      throw new CliErrors.UsageError("--run '" + run + "' has no log.csv; expected a run directory"
          + " written by 'train'.");
    }
    Dataset test = data == null ? FashionMnist.embedded().test() : FashionMnist.fromDirectory(data).test();
    Predictor p;
    try {
      p = Predictor.load(model, threadOptions.value());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage().replaceFirst("^Predictor: ", "--model: "), e);
    }
    try (p) {
      List<RoutingStats> stats = RoutingStats.collect(p, test, 250);
      List<AttentionStats> attentions = AttentionStats.collect(p, test, 250);
      if (stats.isEmpty() && attentions.isEmpty()) {
        throw new IllegalArgumentException("--model '" + model + "' has no routing weights or"
            + " attentions in a 'routing' signature; expected an export of a CondConv,"
            + " DynamicConv, DCD or ODConv model.");
      }
      String name = model.toAbsolutePath().normalize().getFileName().toString();
      if (!stats.isEmpty()) {
        for (Path f : RoutingReport.write(name, stats, FashionMnist.CLASSES, out)) {
          System.out.println("wrote " + f);
        }
      }
      if (!attentions.isEmpty()) {
        for (Path f : RoutingReport.writeAttentions(name, attentions, out)) {
          System.out.println("wrote " + f);
        }
      }
      for (AttentionStats s : attentions) {
        System.out.printf(java.util.Locale.ROOT, "%-45s %4d values  median %8.4f  5-95%% %8.4f to"
            + " %8.4f  per-image std %.4f%n", s.key(), s.width(), s.p50(), s.p05(), s.p95(),
            s.perImageStd());
      }
      for (RoutingStats s : stats) {
        System.out.printf("%-45s %s E=%d  below 0.1: %5.1f%%  above 0.9: %5.1f%%  entropy %.3f%n",
            s.label(), s.softmax() ? "softmax" : "sigmoid", s.experts(), 100 * s.nearZero(),
            100 * s.nearOne(), s.meanEntropy());
      }
    }
    if (run != null) {
      System.out.println("wrote " + RoutingReport.trainingCurves(run.resolve("log.csv"),
          out.resolve("training_curves.png")));
    }
    return 0;
  }
}

package org.dynconv.analysis;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.dynconv.io.AtomicFiles;

/**
 * Writes the routing analysis: {@code routing_histogram.png}, {@code routing_by_class.png}, {@code
 * attention_entropy.png} (DynamicConv only), {@code routing.csv}, and, from a training run's
 * {@code log.csv}, {@code training_curves.png}.
 */
public final class RoutingReport {
  private RoutingReport() {}

  /** Writes the pictures and the CSV for {@code stats}; returns the files written. */
  public static List<Path> write(String model, List<RoutingStats> stats, String[] classes,
      Path outDir) throws IOException {
    Files.createDirectories(outDir);
    List<Path> files = new ArrayList<>();
    files.add(histograms(model, stats, outDir.resolve("routing_histogram.png")));
    files.add(byClass(model, stats, classes, outDir.resolve("routing_by_class.png")));
    if (stats.stream().anyMatch(RoutingStats::softmax)) {
      files.add(entropy(model, stats, outDir.resolve("attention_entropy.png")));
    }
    files.add(csv(stats, classes, outDir.resolve("routing.csv")));
    return files;
  }

  /**
   * Writes {@code attention_histogram.png} and {@code attention.csv} for DCD's and ODConv's
   * attentions; returns the files written.
   */
  public static List<Path> writeAttentions(String model, List<AttentionStats> stats, Path outDir)
      throws IOException {
    Files.createDirectories(outDir);
    int n = stats.size(), cols = cols(n), rows = (n + cols - 1) / cols;
    int pw = 300, ph = 190;
    Chart c = new Chart(cols * (pw + 90) + 40, rows * (ph + 95) + 60,
        "Attention values per layer, " + model);
    for (int i = 0; i < n; i++) {
      AttentionStats s = stats.get(i);
      long total = Arrays.stream(s.histogram()).sum();
      double max = 0;
      for (long h : s.histogram()) {
        max = Math.max(max, (double) h / total);
      }
      double lo = s.min(), hi = s.max() > s.min() ? s.max() : s.min() + 1;
      int x = 80 + (i % cols) * (pw + 90), y = 70 + (i / cols) * (ph + 95);
      Chart.Panel p = c.panel(x, y, pw, ph, s.key(), "value", "fraction of values", lo, hi, 0,
          Math.ceil(max * 10) / 10).ticks(4, 4);
      double step = (hi - lo) / AttentionStats.BINS;
      for (int b = 0; b < AttentionStats.BINS; b++) {
        p.bar(lo + b * step + step * 0.05, lo + (b + 1) * step - step * 0.05,
            (double) s.histogram()[b] / total, Chart.PALETTE[2]);
      }
      p.legend(List.of(String.format(Locale.ROOT, "median %.3f, per-image std %.4f", s.p50(),
          s.perImageStd())), List.of(Chart.PALETTE[2]));
    }
    Path png = outDir.resolve("attention_histogram.png");
    c.save(png);
    StringBuilder csv = new StringBuilder("attention,width,mean,min,p05,p50,p95,max,per_image_std\n");
    for (AttentionStats s : stats) {
      csv.append(String.format(Locale.ROOT, "%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n", s.key(),
          s.width(), s.mean(), s.min(), s.p05(), s.p50(), s.p95(), s.max(), s.perImageStd()));
    }
    Path file = outDir.resolve("attention.csv");
    org.dynconv.io.AtomicFiles.writeString(file, csv.toString());
    return List.of(png, file);
  }

  private static int cols(int n) {
    return Math.min(4, n);
  }

  static Path histograms(String model, List<RoutingStats> stats, Path file) throws IOException {
    int n = stats.size(), cols = cols(n), rows = (n + cols - 1) / cols;
    int pw = 300, ph = 190;
    Chart c = new Chart(cols * (pw + 90) + 40, rows * (ph + 95) + 60,
        "Routing weights per conditional layer, " + model);
    for (int i = 0; i < n; i++) {
      RoutingStats s = stats.get(i);
      long total = Arrays.stream(s.histogram()).sum();
      double max = 0;
      for (long h : s.histogram()) {
        max = Math.max(max, (double) h / total);
      }
      int x = 80 + (i % cols) * (pw + 90), y = 70 + (i / cols) * (ph + 95);
      Chart.Panel p = c.panel(x, y, pw, ph, s.label(), "routing weight", "fraction of weights",
          0, 1, 0, Math.ceil(max * 10) / 10).ticks(5, 4);
      for (int b = 0; b < RoutingStats.BINS; b++) {
        p.bar((double) b / RoutingStats.BINS + 0.005, (b + 1.0) / RoutingStats.BINS - 0.005,
            (double) s.histogram()[b] / total, Chart.PALETTE[s.softmax() ? 1 : 0]);
      }
      p.legend(List.of(String.format(Locale.ROOT, "%s, E=%d: %.0f%% < 0.1, %.0f%% > 0.9",
          s.softmax() ? "softmax" : "sigmoid", s.experts(), 100 * s.nearZero(), 100 * s.nearOne())),
          List.of(Chart.PALETTE[s.softmax() ? 1 : 0]));
    }
    c.save(file);
    return file;
  }

  static Path byClass(String model, List<RoutingStats> stats, String[] classes, Path file)
      throws IOException {
    int n = stats.size(), cols = cols(n), rows = (n + cols - 1) / cols;
    int pw = 220, ph = 260;
    Chart c = new Chart(cols * (pw + 170) + 30, rows * (ph + 90) + 60,
        "Mean routing weight per class and expert, " + model);
    for (int i = 0; i < n; i++) {
      RoutingStats s = stats.get(i);
      int x = 120 + (i % cols) * (pw + 170), y = 70 + (i / cols) * (ph + 90);
      List<String> experts = new ArrayList<>();
      for (int e = 0; e < s.experts(); e++) {
        experts.add(Integer.toString(e));
      }
      c.panel(x, y, pw, ph, s.label(), "expert", "", 0, 1, 0, 1).heatmap(s.meanByClass())
          .xCategories(experts).yCategories(Arrays.asList(classes)).colorBar("mean weight");
    }
    c.save(file);
    return file;
  }

  static Path entropy(String model, List<RoutingStats> stats, Path file) throws IOException {
    List<RoutingStats> att = stats.stream().filter(RoutingStats::softmax).toList();
    int k = att.get(0).experts();
    Chart c = new Chart(120 + 140 * att.size() + 160, 420, "DynamicConv attention entropy per layer, "
        + model);
    // The layer names label the bars (two lines each), so the axis needs no title of its own.
    Chart.Panel p = c.panel(80, 60, 140 * att.size(), 280, "mean over the test images",
        "", "entropy (nats)", 0, att.size(), 0, Math.log(k) * 1.15).yTicks(5);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < att.size(); i++) {
      p.bar(i + 0.15, i + 0.85, att.get(i).meanEntropy(), Chart.PALETTE[1]);
      names.add(att.get(i).label().replaceAll("^.*?(blocks_\\d+)/", "$1/\n"));
    }
    p.xCategories(names).hline(Math.log(k), String.format(Locale.ROOT, "uniform over K=%d: log K = %.3f",
        k, Math.log(k)), Color.DARK_GRAY);
    c.save(file);
    return file;
  }

  static Path csv(List<RoutingStats> stats, String[] classes, Path file) throws IOException {
    StringBuilder sb = new StringBuilder(
        "layers,kind,class,expert,mean_weight,std_weight,fraction_below_0.1,fraction_above_0.9,"
            + "mean_entropy\n");
    for (RoutingStats s : stats) {
      String layers = String.join(" ", s.layers()), kind = s.softmax() ? "softmax" : "sigmoid";
      for (int e = 0; e < s.experts(); e++) {
        double overall = 0;
        for (double[] row : s.meanByClass()) {
          overall += row[e] / s.meanByClass().length;
        }
        sb.append(String.format(Locale.ROOT, "%s,%s,all,%d,%.6f,%.6f,%.6f,%.6f,%.6f%n", layers, kind,
            e, overall, s.stdByExpert()[e], s.nearZero(), s.nearOne(), s.meanEntropy()));
        for (int c = 0; c < classes.length; c++) {
          sb.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.6f,,,,%n", layers, kind,
              classes[c].replace(',', ' '), e, s.meanByClass()[c][e]));
        }
      }
    }
    AtomicFiles.writeString(file, sb.toString());
    return file;
  }

  /**
   * Several training runs of the same model side by side: for every routing layer its mean
   * routing entropy against the epoch (one panel per layer, one line per run) and the runs'
   * test accuracy against the epoch, from their {@code log.csv} files.
   */
  public static Path compareRuns(List<Path> runs, List<String> labels, Path file)
      throws IOException {
    List<List<String[]>> logs = new ArrayList<>();
    List<String> layers = null;
    for (Path run : runs) {
      List<String> lines = Files.readAllLines(run.resolve("log.csv"));
      if (lines.size() < 2) {
        throw new IllegalArgumentException("RoutingReport: '" + run.resolve("log.csv") + "' has no"
            + " epochs; expected a log.csv written by 'train'.");
      }
      List<String> names = Arrays.stream(lines.get(0).split(",")).filter(h -> h.startsWith(
          "entropy:")).map(h -> h.substring("entropy:".length())).toList();
      if (layers == null) {
        layers = names;
      } else if (!layers.equals(names)) {
        throw new IllegalArgumentException("RoutingReport: run '" + run + "' has routing layers "
            + names + "; expected the same layers as '" + runs.get(0) + "' (" + layers + ").");
      }
      logs.add(lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList());
    }
    int panels = layers.size() + 1, cols = Math.min(3, panels), rows = (panels + cols - 1) / cols;
    int pw = 300, ph = 220;
    Chart c = new Chart(cols * (pw + 100) + 60, rows * (ph + 110) + 60, "Routing entropy and"
        + " accuracy per epoch, " + runs.size() + " runs");
    int epochs = logs.stream().mapToInt(List::size).max().orElse(1);
    for (int k = 0; k < panels; k++) {
      boolean accuracy = k == layers.size();
      int x = 80 + (k % cols) * (pw + 100), y = 70 + (k / cols) * (ph + 110);
      double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
      List<double[]> series = new ArrayList<>();
      for (List<String[]> log : logs) {
        double[] v = new double[log.size()];
        for (int e = 0; e < log.size(); e++) {
          v[e] = Double.parseDouble(log.get(e)[accuracy ? 4 : 8 + k]);
          lo = Math.min(lo, v[e]);
          hi = Math.max(hi, v[e]);
        }
        series.add(v);
      }
      double pad = (hi - lo) * 0.1 + 1e-3;
      Chart.Panel p = c.panel(x, y, pw, ph, accuracy ? "test accuracy"
          : layers.get(k).replaceAll("^[^/]*/", ""), "epoch", accuracy ? "accuracy"
          : "entropy (nats)", 0.5, epochs + 0.5, lo - pad, hi + pad).ticks(Math.min(epochs, 8), 4);
      for (int r = 0; r < series.size(); r++) {
        double[] v = series.get(r);
        double[] xs = new double[v.length];
        for (int e = 0; e < v.length; e++) {
          xs[e] = e + 1;
        }
        p.line(xs, v, Chart.PALETTE[r % Chart.PALETTE.length], 2f)
            .points(xs, v, Chart.PALETTE[r % Chart.PALETTE.length]);
      }
      if (k == 0) {
        List<Color> colors = new ArrayList<>();
        for (int r = 0; r < labels.size(); r++) {
          colors.add(Chart.PALETTE[r % Chart.PALETTE.length]);
        }
        p.legend(labels, colors);
      }
    }
    c.save(file);
    return file;
  }

  /** Test accuracy and mean routing entropy against epoch, and entropy against temperature. */
  public static Path trainingCurves(Path logCsv, Path file) throws IOException {
    List<String> lines = Files.readAllLines(logCsv);
    if (lines.size() < 2) {
      throw new IllegalArgumentException("RoutingReport: '" + logCsv + "' has no epochs; expected a"
          + " log.csv written by 'train'.");
    }
    String[] head = lines.get(0).split(",");
    int n = lines.size() - 1;
    double[] epoch = new double[n], acc = new double[n], temp = new double[n], ent = new double[n];
    boolean hasTemp = true;
    for (int i = 0; i < n; i++) {
      String[] f = lines.get(i + 1).split(",", -1);
      epoch[i] = Double.parseDouble(f[0]);
      acc[i] = Double.parseDouble(f[4]);
      hasTemp &= !f[5].isEmpty();
      temp[i] = f[5].isEmpty() ? Double.NaN : Double.parseDouble(f[5]);
      double sum = 0;
      int cnt = 0;
      for (int j = 8; j < head.length; j++) {
        if (!f[j].isEmpty()) {
          sum += Double.parseDouble(f[j]);
          cnt++;
        }
      }
      ent[i] = cnt == 0 ? Double.NaN : sum / cnt;
    }
    double maxEnt = Arrays.stream(ent).filter(Double::isFinite).max().orElse(1) * 1.15;
    double minAcc = Math.floor(Arrays.stream(acc).min().orElse(0) * 10) / 10;
    Chart c = new Chart(hasTemp ? 1180 : 820, 430, "Training run " + logCsv.getParent().getFileName());
    c.panel(80, 70, 300, 280, "test accuracy per epoch", "epoch", "test accuracy", 0, epoch[n - 1],
        minAcc, 1).ticks((int) Math.min(10, epoch[n - 1]), 5).line(epoch, acc,
        Chart.PALETTE[0], 2f).points(epoch, acc, Chart.PALETTE[0]);
    c.panel(470, 70, 300, 280, "mean routing entropy per epoch", "epoch",
        "entropy (nats, weights normalised)", 0, epoch[n - 1], 0, maxEnt)
        .ticks((int) Math.min(10, epoch[n - 1]), 5).line(epoch, ent, Chart.PALETTE[1], 2f)
        .points(epoch, ent, Chart.PALETTE[1]);
    Path samples = logCsv.resolveSibling("routing_entropy.csv");
    if (hasTemp && Files.isRegularFile(samples)) {
      List<String> rows = Files.readAllLines(samples);
      int m = rows.size() - 1;
      double[] t = new double[m], e = new double[m];
      for (int i = 0; i < m; i++) {
        String[] f = rows.get(i + 1).split(",");
        t[i] = Double.parseDouble(f[2]);
        e[i] = Double.parseDouble(f[3]);
      }
      double maxT = Arrays.stream(t).max().orElse(1);
      double maxE = Math.max(maxEnt, Arrays.stream(e).max().orElse(1) * 1.15);
      c.panel(860, 70, 280, 280, "attention entropy against temperature",
          "temperature (training batches)", "entropy (nats)", 0, Math.ceil(maxT), 0, maxE)
          .ticks(5, 5).points(t, e, Chart.PALETTE[3]);
    }
    c.save(file);
    return file;
  }
}

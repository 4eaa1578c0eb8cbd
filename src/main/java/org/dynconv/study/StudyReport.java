package org.dynconv.study;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.dynconv.analysis.Chart;
import org.dynconv.io.AtomicFiles;

/**
 * The study's pictures and tables: test accuracy (validation while tuning) against multiply-adds,
 * against measured inference time at batch 1 and 32, and against parameters, one line per conv
 * type through the widths (mean over seeds, bars from the lowest to the highest seed); the mean
 * routing entropy of DynamicConv and ODConv 4x against the epoch; and {@code study.md}: the table
 * of means and standard deviations over seeds, and for each width the comparison the study asks:
 * does the best dynamic member beat the static member of equal or greater inference time by more
 * than the spread across seeds?
 */
public final class StudyReport {
  private StudyReport() {}

  /**
   * A member's rows over seeds (one learning rate). Statistics are over the seeds that trained;
   * {@link #diverged()} counts the others.
   */
  record Member(String conv, double width, double learningRate, List<StudyRow> rows) {
    /** The rows whose training finished (not diverged). */
    List<StudyRow> trained() {
      return rows.stream().filter(r -> !r.diverged()).toList();
    }

    long diverged() {
      return rows.stream().filter(StudyRow::diverged).count();
    }

    double mean(ToDoubleFunction<StudyRow> f) {
      return trained().stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** Over every row, diverged ones included: for the timings, measured before training. */
    double meanOfAll(ToDoubleFunction<StudyRow> f) {
      return rows.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    double std(ToDoubleFunction<StudyRow> f) {
      double m = mean(f);
      List<StudyRow> t = trained();
      if (t.size() < 2) {
        return Double.NaN;
      }
      return Math.sqrt(t.stream().mapToDouble(r -> Math.pow(f.applyAsDouble(r) - m, 2)).sum()
          / (t.size() - 1));
    }

    double min(ToDoubleFunction<StudyRow> f) {
      return trained().stream().mapToDouble(f).min().orElse(Double.NaN);
    }

    double max(ToDoubleFunction<StudyRow> f) {
      return trained().stream().mapToDouble(f).max().orElse(Double.NaN);
    }
  }

  public static List<Path> write(List<StudyRow> rows, Path out) throws IOException {
    Files.createDirectories(out);
    if (rows.isEmpty()) {
      return List.of();
    }
    boolean tested = rows.stream().anyMatch(r -> !Double.isNaN(r.testAccuracy()));
    ToDoubleFunction<StudyRow> acc = tested ? r -> 100 * r.testAccuracy()
        : r -> 100 * r.valAccuracy();
    String accName = tested ? "test accuracy (%)" : "validation accuracy (%)";
    List<Member> members = members(rows);
    // A member none of whose seeds trained has no point to draw; the table says it diverged.
    List<Member> drawn = members.stream().filter(m -> !m.trained().isEmpty()).toList();
    List<Path> files = new ArrayList<>();
    files.add(plot(drawn, acc, accName, r -> r.macs() / 1e6, "multiply-adds per image (millions)",
        "accuracy against multiply-adds", out.resolve("accuracy_vs_macs.png")));
    files.add(plot(drawn, acc, accName, StudyRow::msB1, "inference time at batch 1 (ms)",
        "accuracy against measured inference time, batch 1", out.resolve("accuracy_vs_time_b1.png")));
    files.add(plot(drawn, acc, accName, StudyRow::msB32, "inference time at batch 32 (ms)",
        "accuracy against measured inference time, batch 32",
        out.resolve("accuracy_vs_time_b32.png")));
    files.add(plot(drawn, acc, accName, r -> r.parameters() / 1e6, "parameters (millions)",
        "accuracy against parameters", out.resolve("accuracy_vs_params.png")));
    Path entropy = entropy(rows, out);
    if (entropy != null) {
      files.add(entropy);
    }
    Path md = out.resolve("study.md");
    AtomicFiles.writeString(md, markdown(members, tested));
    files.add(md);
    return files;
  }

  static List<Member> members(List<StudyRow> rows) {
    Map<String, List<StudyRow>> by = new LinkedHashMap<>();
    for (String conv : StudyCell.CONVS) {
      for (double w : rows.stream().filter(r -> r.conv().equals(conv)).mapToDouble(StudyRow::width)
          .distinct().sorted().toArray()) {
        for (double lr : rows.stream().filter(r -> r.conv().equals(conv) && r.width() == w)
            .mapToDouble(StudyRow::learningRate).distinct().sorted().toArray()) {
          by.put(conv + "|" + w + "|" + lr, rows.stream().filter(r -> r.conv().equals(conv)
              && r.width() == w && r.learningRate() == lr).toList());
        }
      }
    }
    List<Member> out = new ArrayList<>();
    by.forEach((k, v) -> out.add(new Member(v.get(0).conv(), v.get(0).width(),
        v.get(0).learningRate(), v)));
    return out;
  }

  private static Path plot(List<Member> members, ToDoubleFunction<StudyRow> y, String yName,
      ToDoubleFunction<StudyRow> x, String xName, String title, Path file) throws IOException {
    double x0 = Double.MAX_VALUE, x1 = 0, y0 = Double.MAX_VALUE, y1 = 0;
    for (Member m : members) {
      x0 = Math.min(x0, m.min(x));
      x1 = Math.max(x1, m.max(x));
      y0 = Math.min(y0, m.min(y));
      y1 = Math.max(y1, m.max(y));
    }
    double padX = (x1 - x0) * 0.05 + 1e-9, padY = (y1 - y0) * 0.08 + 0.1;
    Chart c = new Chart(900, 600, title);
    Chart.Panel p = c.panel(90, 70, 620, 460, "mean over seeds; bars: lowest to highest seed",
        xName, yName, Math.max(0, x0 - padX), x1 + padX, y0 - padY, y1 + padY).ticks(6, 6);
    List<String> names = new ArrayList<>();
    List<Color> colors = new ArrayList<>();
    for (int k = 0; k < StudyCell.CONVS.length; k++) {
      String conv = StudyCell.CONVS[k];
      List<Member> line = members.stream().filter(m -> m.conv().equals(conv)).toList();
      if (line.isEmpty()) {
        continue;
      }
      Color color = Chart.PALETTE[k % Chart.PALETTE.length];
      double[] xs = line.stream().mapToDouble(m -> m.mean(x)).toArray();
      double[] ys = line.stream().mapToDouble(m -> m.mean(y)).toArray();
      p.line(xs, ys, color, 2f).points(xs, ys, color);
      for (Member m : line) {
        p.line(new double[] {m.mean(x), m.mean(x)}, new double[] {m.min(y), m.max(y)}, color, 1f);
      }
      names.add(conv);
      colors.add(color);
    }
    p.legend(names, colors);
    c.save(file);
    return file;
  }

  /**
   * Mean routing entropy (over layers, then over the seeds that have a value there) against the
   * epoch for DynamicConv and ODConv 4x: per sampled step (every 1/20 epoch) where the run kept
   * {@code routing_entropy.csv}, which a diverged run writes up to its NaN step, else at the end
   * of each epoch from {@code log.csv}.
   */
  private static Path entropy(List<StudyRow> rows, Path out) throws IOException {
    Map<String, TreeMap<Double, double[]>> curves = new LinkedHashMap<>();
    Map<String, int[]> divergedOfSeeds = new LinkedHashMap<>();
    for (StudyRow r : rows) {
      if (!r.conv().equals("dynamic") && !r.conv().equals("odconv4")) {
        continue;
      }
      List<double[]> points = entropyCurve(out.resolve("runs").resolve(r.cell().dirName()));
      if (points.isEmpty()) {
        continue;
      }
      String key = r.conv() + " width " + r.width();
      var curve = curves.computeIfAbsent(key, k -> new TreeMap<>());
      for (double[] pt : points) {
        double[] sum = curve.computeIfAbsent(pt[0], k -> new double[2]);
        sum[0] += pt[1];
        sum[1]++;
      }
      int[] count = divergedOfSeeds.computeIfAbsent(key, k -> new int[2]);
      count[0] += r.diverged() ? 1 : 0;
      count[1]++;
    }
    if (curves.isEmpty()) {
      return null;
    }
    double last = curves.values().stream().mapToDouble(TreeMap::lastKey).max()
        .orElse(1);
    double xMax = Math.max(1, Math.ceil(last));
    Chart c = new Chart(900, 600, "Routing entropy of DynamicConv and ODConv 4x");
    Chart.Panel p = c.panel(90, 70, 620, 460, "mean over layers and seeds; per step where kept,"
        + " else per epoch; uniform over 4 = log 4", "epoch", "attention entropy (nats)", 0,
        xMax + 0.05, 0, Math.log(4) * 1.05).ticks((int) Math.min(xMax * 4, 10), 6);
    p.hline(Math.log(4), "uniform", Color.DARK_GRAY);
    List<String> names = new ArrayList<>();
    List<Color> colors = new ArrayList<>();
    int k = 0;
    for (var e : curves.entrySet()) {
      double[] xs = e.getValue().keySet().stream().mapToDouble(Double::doubleValue).toArray();
      double[] ys = e.getValue().values().stream().mapToDouble(v -> v[0] / v[1]).toArray();
      Color color = Chart.PALETTE[k++ % Chart.PALETTE.length];
      p.line(xs, ys, color, 2f).points(xs, ys, color);
      int[] d = divergedOfSeeds.get(e.getKey());
      names.add(e.getKey() + (d[0] == 0 ? "" : " (" + d[0] + " of " + d[1]
          + " diverged: drawn to the NaN)"));
      colors.add(color);
    }
    p.legend(names, colors);
    Path file = out.resolve("attention_entropy.png");
    c.save(file);
    return file;
  }

  /**
   * One run's (epoch, mean entropy) points: from {@code routing_entropy.csv} (columns step, epoch,
   * temperature, mean_entropy; non-finite values dropped) when present, else the end of each epoch
   * in {@code log.csv}; empty when the run has neither (a diverged run of older code).
   */
  static List<double[]> entropyCurve(Path runDir) throws IOException {
    List<double[]> points = new ArrayList<>();
    Path steps = runDir.resolve("routing_entropy.csv");
    if (Files.exists(steps)) {
      List<String> lines = Files.readAllLines(steps);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",");
        if (f.length == 4 && Double.isFinite(Double.parseDouble(f[3]))) {
          points.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[3])});
        }
      }
      return points;
    }
    Path log = runDir.resolve("log.csv");
    if (Files.exists(log) && Files.readAllLines(log).size() > 1) {
      double[] e = RunLog.read(log).entropy();
      for (int i = 0; i < e.length; i++) {
        if (Double.isFinite(e[i])) {
          points.add(new double[] {i + 1, e[i]});
        }
      }
    }
    return points;
  }

  static String markdown(List<Member> members, boolean tested) {
    String acc = tested ? "test accuracy" : "validation accuracy";
    ToDoubleFunction<StudyRow> a = tested ? r -> 100 * r.testAccuracy() : r -> 100 * r.valAccuracy();
    StringBuilder sb = new StringBuilder();
    sb.append("| width | conv | experts | lr | parameters | MACs | ").append(acc)
        .append(" (mean ± std, seeds) | validation accuracy | B=1 time vs static | B=32 time vs"
            + " static | B=32 ms | training s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Member m : members) {
      StudyRow f = m.rows().get(0);
      sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %g | %,d | %,d | %.2f ± %.2f (%d%s) |"
          + " %.2f | %.2fx | %.2fx | %.2f | %.0f |%n", f.width(), m.conv(), f.experts(),
          m.learningRate(), f.parameters(), f.macs(), m.mean(a), m.std(a), m.trained().size(),
          m.diverged() == 0 ? "" : ", " + m.diverged() + " diverged",
          m.mean(r -> 100 * r.valAccuracy()),
          m.meanOfAll(StudyRow::ratioB1), m.meanOfAll(StudyRow::ratioB32),
          m.meanOfAll(StudyRow::msB32),
          m.mean(StudyRow::trainSeconds)));
    }
    sb.append('\n').append(verdicts(members, a, acc));
    return sb.toString();
  }

  /**
   * For each width: the best dynamic member against the static member of equal or greater
   * measured B=32 time (the cheapest such static member, any width): the difference of means and
   * whether it exceeds the spread (the larger of the two members' highest-minus-lowest seed).
   */
  static String verdicts(List<Member> members, ToDoubleFunction<StudyRow> a, String acc) {
    StringBuilder sb = new StringBuilder("| width | best dynamic member | its B=32 ms | static member"
        + " of equal or greater B=32 time | its B=32 ms | difference in " + acc + " | spread |"
        + " beyond the spread? |\n|---|---|---|---|---|---|---|---|\n");
    List<Member> statics = members.stream().filter(m -> m.conv().equals("static")
        && !m.trained().isEmpty()).toList();
    for (double w : members.stream().mapToDouble(Member::width).distinct().sorted().toArray()) {
      Member best = members.stream().filter(m -> m.width() == w && !m.conv().equals("static")
              && !m.trained().isEmpty())
          .max((p, q) -> Double.compare(p.mean(a), q.mean(a))).orElse(null);
      if (best == null) {
        continue;
      }
      double t = best.mean(StudyRow::msB32);
      Member rival = statics.stream().filter(s -> s.mean(StudyRow::msB32) >= t)
          .min((p, q) -> Double.compare(p.mean(StudyRow::msB32), q.mean(StudyRow::msB32)))
          .orElse(null);
      if (rival == null) {
        sb.append(String.format(Locale.ROOT, "| %s | %s (%.2f) | %.2f | none: every static member"
            + " is faster | | | | |%n", w, best.conv(), best.mean(a), t));
        continue;
      }
      double diff = best.mean(a) - rival.mean(a);
      double spread = Math.max(best.max(a) - best.min(a), rival.max(a) - rival.min(a));
      sb.append(String.format(Locale.ROOT, "| %s | %s (%.2f) | %.2f | static width %s (%.2f) |"
          + " %.2f | %+.2f | %.2f | %s |%n", w, best.conv(), best.mean(a), t, rival.width(),
          rival.mean(a), rival.mean(StudyRow::msB32), diff, spread, diff > spread ? "yes" : "no"));
    }
    return sb.toString();
  }
}

package org.dynconv.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.dynconv.analysis.Chart;
import org.dynconv.io.AtomicFiles;

/** Writes bench.csv, bench.md and bench.png from the rows of a run. */
public final class BenchReport {
  private BenchReport() {}

  /**
   * @param bandwidth the run's measured streaming-read bandwidth in bytes per second, or NaN
   */
  public static void write(List<BenchRow> rows, Machine machine, double bandwidth, String when,
      Path out) throws IOException {
    Files.createDirectories(out);
    StringBuilder csv = new StringBuilder(BenchRow.HEADER).append('\n');
    rows.forEach(r -> csv.append(r.csv()).append('\n'));
    AtomicFiles.writeString(out.resolve("bench.csv"), csv.toString());
    AtomicFiles.writeString(out.resolve("bench.md"), markdown(rows, machine, bandwidth, when));
    if (!rows.isEmpty()) {
      chart(rows, machine, out.resolve("bench.png"));
    }
  }

  /** Ratio tables per suite: one row per case, batch, experts and pass, one column per strategy. */
  public static String markdown(List<BenchRow> rows, Machine machine, double bandwidth,
      String when) {
    StringBuilder sb = new StringBuilder();
    sb.append("Measured ").append(when).append(" on ").append(machine.line()).append(".\n")
        .append("Each figure is the median ratio of time to the static twin measured interleaved in"
            + " the same process (range in brackets); lower is faster.");
    if (Double.isFinite(bandwidth)) {
      sb.append(String.format(Locale.ROOT, " Memory bandwidth (streaming read in the same process):"
          + " %.1f GB/s.", bandwidth / 1e9));
    }
    sb.append("\n\n");
    for (String suite : List.of("layers", "chunk", "bank", "models", "train")) {
      List<BenchRow> s = rows.stream().filter(r -> r.suite().equals(suite)).toList();
      if (s.isEmpty()) {
        continue;
      }
      Set<String> strategies = new LinkedHashSet<>();
      s.forEach(r -> strategies.add(column(r.strategy())));
      sb.append("### ").append(suite).append("\n\n| case | B | E | pass | static ms | MACs |");
      strategies.forEach(st -> sb.append(' ').append(st).append(" |"));
      sb.append("\n|---|---|---|---|---|---|");
      strategies.forEach(st -> sb.append("---|"));
      sb.append('\n');
      Map<String, List<BenchRow>> groups = new LinkedHashMap<>();
      s.forEach(r -> groups.computeIfAbsent(r.caseName() + "|" + r.batch() + "|" + r.experts() + "|"
          + r.pass(), k -> new ArrayList<>()).add(r));
      for (List<BenchRow> g : groups.values()) {
        BenchRow f = g.get(0);
        sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %.3f | %s |", f.caseName(),
            f.batch(), f.experts(), f.pass(), f.baselineMs(), macs(f.macRatio())));
        for (String st : strategies) {
          BenchRow r = g.stream().filter(x -> column(x.strategy()).equals(st)).findFirst().orElse(null);
          sb.append(r == null ? " n/a |" : String.format(Locale.ROOT, " %.2f%s (%.2f-%.2f)%s |",
              r.ratioMedian(), r.strategy().startsWith("AUTO(") ? " " + r.strategy().substring(4) : "",
              r.ratioMin(), r.ratioMax(), Double.isNaN(r.macRatio()) ? ""
                  : String.format(Locale.ROOT, " eff %.2f", r.efficiency())));
        }
        sb.append('\n');
      }
      sb.append('\n');
      if (suite.equals("layers")) {
        sb.append(autoVersusLoop(s));
      }
    }
    sb.append(limits(rows));
    sb.append(family(rows.stream().filter(r -> r.suite().equals("family")).toList()));
    return sb.toString();
  }

  /**
   * Batch-1 inference against its two limits: per AUTO layer cell and model pair, the weight
   * bytes per image, the floor time they imply, the time ratio, the multiply-add ratio, the floor
   * over the static time, and the time ratio over the higher of the two (1.0 = at the limit).
   */
  public static String limits(List<BenchRow> rows) {
    List<BenchRow> at1 = rows.stream().filter(r -> r.weightBytes() > 0 && r.batch() == 1
        && r.pass().equals("forward") && (r.suite().equals("models")
            || r.strategy().startsWith("AUTO")
            // DCD, and ODConv's AUTO or only path ("ODConv1 AUTO(FUSED)", "ODConv1").
            || r.suite().equals("family") && (!r.strategy().contains(" ")
                || r.strategy().contains("AUTO")))).toList();
    if (at1.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("### batch 1 against its limits\n\n"
        + "Relative to its static twin, a conditional layer or model at B = 1 can be no faster than"
        + " its multiply-adds allow (MACs) or than reading its weights once at the measured"
        + " bandwidth allows (floor = weight bytes / bandwidth / static time); *time / limit* is"
        + " the time ratio over the higher of the two (1.00 = at the limit). *MACs + reads* is"
        + " the ratio if the weights the twin does not have were read without overlapping"
        + " compute.\n\n"
        + "| case | E | weights MB (static) | floor ms | static ms | time ratio | MACs | floor |"
        + " time / limit | MACs + reads |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchRow r : at1) {
      sb.append(String.format(Locale.ROOT, "| %s%s | %d | %.2f (%.2f) | %.3f | %.3f | %.2f | %.2f |"
          + " %.2f | %.2f | %.2f |%n", r.caseName(), r.suite().equals("models") ? ""
          : " " + r.strategy(), r.experts(), r.weightBytes() / 1e6, r.baselineWeightBytes() / 1e6, r.floorMs(),
          r.baselineMs(), r.ratioMedian(), r.macRatio(), r.floorRatio(), r.limitDistance(),
          r.serialLimit()));
    }
    return sb.append('\n').toString();
  }

  private static String macs(double ratio) {
    return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  /**
   * DCD and ODConv layers: per case, batch and pass, each layer's time ratio to the static
   * convolution, its multiply-add ratio and their quotient (efficiency, 1.0 = as efficient per
   * multiply-add as static), with the range of the time ratio.
   */
  public static String family(List<BenchRow> rows) {
    if (rows.isEmpty()) {
      return "";
    }
    Set<String> layers = new LinkedHashSet<>();
    rows.forEach(r -> layers.add(familyColumn(r.strategy())));
    StringBuilder sb = new StringBuilder("### layers: DCD and ODConv\n\nEach cell: time ratio to the"
        + " static convolution / multiply-add ratio = efficiency (time-ratio range); ODConv's path"
        + " in brackets (AUTO's choice marked).\n\n| case | B | pass | static ms |");
    layers.forEach(l -> sb.append(' ').append(l).append(" |"));
    sb.append("\n|---|---|---|---|");
    layers.forEach(l -> sb.append("---|"));
    sb.append('\n');
    Map<String, List<BenchRow>> groups = new LinkedHashMap<>();
    rows.forEach(r -> groups.computeIfAbsent(r.caseName() + "|" + r.batch() + "|" + r.pass(),
        k -> new ArrayList<>()).add(r));
    for (List<BenchRow> g : groups.values()) {
      BenchRow f = g.get(0);
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.3f |", f.caseName(), f.batch(),
          f.pass(), f.baselineMs()));
      for (String l : layers) {
        List<BenchRow> cell = g.stream().filter(x -> familyColumn(x.strategy()).equals(l)).toList();
        sb.append(cell.isEmpty() ? " n/a |" : " " + String.join("<br>", cell.stream()
            .map(r -> String.format(Locale.ROOT, "%.2f / %.2f = %.2f (%.2f-%.2f)%s", r.ratioMedian(),
                r.macRatio(), r.efficiency(), r.ratioMin(), r.ratioMax(), path(r.strategy())))
            .toList()) + " |");
      }
      sb.append('\n');
    }
    return sb.append('\n').toString();
  }

  /** "DCD", "ODConv1 AUTO(LOOP)" -> the column: DCD, ODConv n=1, ODConv n=4. */
  private static String familyColumn(String name) {
    return name.startsWith("ODConv") ? "ODConv n=" + name.substring(6).split(" ")[0] : name;
  }

  private static String path(String name) {
    int space = name.indexOf(' ');
    return space < 0 ? "" : " [" + name.substring(space + 1) + "]";
  }

  /**
   * AUTO against Google's LOOP per layer cell: AUTO's median ratio to static divided by LOOP's
   * (below 1, AUTO is faster), and geometric means. Where AUTO picked LOOP both columns time the
   * same graph, so their quotient shows the run's noise; the summary separates those cells.
   */
  public static String autoVersusLoop(List<BenchRow> layerRows) {
    Map<String, BenchRow> loop = new LinkedHashMap<>();
    Map<String, BenchRow> auto = new LinkedHashMap<>();
    for (BenchRow r : layerRows) {
      String key = r.caseName() + "|" + r.batch() + "|" + r.experts() + "|" + r.pass();
      if (r.strategy().equals("LOOP")) {
        loop.put(key, r);
      } else if (r.strategy().startsWith("AUTO")) {
        auto.put(key, r);
      }
    }
    StringBuilder sb = new StringBuilder("### AUTO against LOOP (Google's strategy)\n\n"
        + "AUTO / LOOP is the quotient of their median ratios to the static twin; below 1, AUTO is"
        + " faster. Where AUTO picked LOOP both time the same graph and the quotient is noise.\n\n"
        + "| case | B | E | pass | AUTO picked | AUTO | LOOP | AUTO / LOOP |\n"
        + "|---|---|---|---|---|---|---|---|\n");
    List<Double> all = new ArrayList<>();
    List<Double> same = new ArrayList<>();
    List<Double> other = new ArrayList<>();
    for (Map.Entry<String, BenchRow> e : auto.entrySet()) {
      BenchRow l = loop.get(e.getKey());
      if (l == null) {
        continue;
      }
      BenchRow a = e.getValue();
      String picked = a.strategy().startsWith("AUTO(") ? a.strategy().substring(5, a.strategy().length() - 1) : "?";
      double q = a.ratioMedian() / l.ratioMedian();
      all.add(q);
      (picked.equals("LOOP") ? same : other).add(q);
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %.2f | %.2f | %.2f |%n",
          a.caseName(), a.batch(), a.experts(), a.pass(), picked, a.ratioMedian(), l.ratioMedian(), q));
    }
    if (all.isEmpty()) {
      return "";
    }
    sb.append('\n').append(String.format(Locale.ROOT,
        "AUTO / LOOP over %d cells: geometric mean %.3f, range %.2f-%.2f; AUTO picked another"
            + " strategy in %d cells (%s) and LOOP in %d (%s).%n%n",
        all.size(), geomean(all), min(all), max(all), other.size(), summary(other), same.size(),
        summary(same)));
    return sb.toString();
  }

  private static String summary(List<Double> q) {
    return q.isEmpty() ? "none" : String.format(Locale.ROOT, "geometric mean %.3f, range %.2f-%.2f",
        geomean(q), min(q), max(q));
  }

  static double geomean(List<Double> q) {
    return Math.exp(q.stream().mapToDouble(Math::log).average().orElse(0));
  }

  private static double min(List<Double> q) {
    return q.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> q) {
    return q.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static String column(String strategy) {
    return strategy.startsWith("AUTO") ? "AUTO" : strategy;
  }

  /** The PNG chart of a run's ratios (AUTO per layer and batch; models and training steps). */
  public static void chart(List<BenchRow> rows, Machine machine, Path file) throws IOException {
    List<BenchRow> auto = rows.stream().filter(r -> r.suite().equals("layers")
        && r.strategy().startsWith("AUTO")).toList();
    List<BenchRow> models = rows.stream().filter(r -> r.suite().equals("models")
        || r.suite().equals("train")).toList();
    List<String> cases = new ArrayList<>(new LinkedHashSet<>(auto.stream().map(BenchRow::caseName).toList()));
    int w = Math.max(900, 95 * cases.size() + 200);
    Chart c = new Chart(w, 470 * (auto.isEmpty() ? 0 : 2) + (models.isEmpty() ? 0 : 470) + 40,
        "dynconv / static time ratio (median), " + machine.cpu());
    int y = 80;
    for (String pass : List.of("forward", "train")) {
      List<BenchRow> p = auto.stream().filter(r -> r.pass().equals(pass)).toList();
      if (p.isEmpty()) {
        continue;
      }
      double max = Math.max(2, p.stream().mapToDouble(BenchRow::ratioMedian).max().orElse(2) * 1.1);
      Chart.Panel panel = c.panel(90, y, w - 160, 300, "AUTO, conditional layers of"
          + " efficientnet-condconv-b0 and the small CNN, " + (pass.equals("train")
              ? "forward + backward" : "forward (inference)") + ", E=8", "", "ratio to static",
          0, cases.size(), 0, max).yTicks(5);
      int[] batches = p.stream().mapToInt(BenchRow::batch).distinct().sorted().toArray();
      List<String> legend = new ArrayList<>();
      List<Color> colors = new ArrayList<>();
      for (int bi = 0; bi < batches.length; bi++) {
        double off = 0.1 + 0.8 * bi / batches.length, width = 0.8 / batches.length;
        for (BenchRow r : p) {
          if (r.batch() == batches[bi] && r.experts() == 8) {
            int ci = cases.indexOf(r.caseName());
            panel.bar(ci + off, ci + off + width * 0.9, r.ratioMedian(), Chart.PALETTE[bi]);
          }
        }
        legend.add("B=" + batches[bi]);
        colors.add(Chart.PALETTE[bi]);
      }
      panel.hline(1, "static", Color.DARK_GRAY).legend(legend, colors);
      panel.xCategories(cases.stream().map(BenchReport::layerLabel).toList());
      y += 470;
    }
    if (!models.isEmpty()) {
      double max = Math.max(2, models.stream().mapToDouble(BenchRow::ratioMedian).max().orElse(2) * 1.1);
      Chart.Panel panel = c.panel(90, y, w - 160, 300, "models (inference) and training steps", "",
          "ratio to static twin", 0, models.size(), 0, max).yTicks(5);
      List<String> names = new ArrayList<>();
      for (int i = 0; i < models.size(); i++) {
        BenchRow r = models.get(i);
        panel.bar(i + 0.15, i + 0.85, r.ratioMedian(), Chart.PALETTE[r.suite().equals("train") ? 2 : 0]);
        names.add(modelLabel(r));
      }
      panel.hline(1, "static", Color.DARK_GRAY).xCategories(names);
    }
    c.save(file);
  }

  /** "expand 80->480 14x14" as three short lines (kind, channels, map size) for the x axis. */
  static String layerLabel(String caseName) {
    return caseName.replace("depthwise ", "dw ").replaceFirst(" ", "\n")
        .replaceFirst(" (\\d+x\\d+)$", "\n$1");
  }

  /** The conditional model, the batch and the export variant (or "train") on three lines. */
  static String modelLabel(BenchRow r) {
    String model = r.caseName().replaceAll(" vs .*", "").replace("efficientnet-", "")
        .replace("small-cnn-", "cnn-");
    String variant = r.suite().equals("train") ? "train"
        : r.caseName().contains("(") ? r.caseName().replaceAll(".*\\((\\S+) exports\\)", "$1")
        : "";
    return model + "\nB=" + r.batch() + "\n" + variant;
  }
}

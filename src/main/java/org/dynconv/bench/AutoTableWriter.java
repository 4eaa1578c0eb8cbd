package org.dynconv.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dynconv.conv.AutoTable;
import org.dynconv.conv.Strategy;
import org.dynconv.io.AtomicFiles;

/**
 * Turns the layers suite's measurements into AUTO's table (the resource {@link AutoTable} reads
 * on the kind of runtime it was measured on, named by {@link AutoTable#fileName}): for each layer kind, batch regime and mode, the concrete strategies
 * ordered by the geometric mean of their measured ratios over the layer cases and expert counts.
 * The unknown-batch regime uses the batch-32 measurements of the strategies that work without a
 * static batch.
 */
public final class AutoTableWriter {
  private AutoTableWriter() {}

  public static Path write(List<BenchRow> rows, Map<String, String> kindOfCase, String provenance,
      Path file) throws IOException {
    // key -> strategy -> [sum of logs, count]
    Map<String, Map<String, double[]>> acc = new LinkedHashMap<>();
    for (BenchRow r : rows) {
      String kind = kindOfCase.get(r.caseName());
      if (!r.suite().equals("layers") || kind == null || r.strategy().startsWith("AUTO")
          || r.strategy().equals("MIXTURE")) {
        continue;
      }
      String mode = r.pass().equals("train") ? "train" : "infer";
      List<String> regimes = new ArrayList<>(List.of(AutoTable.batchKey(r.batch())));
      boolean staticOnly = r.strategy().equals("LOOP") || r.strategy().equals("FUSED");
      if (r.batch() == 32 && !staticOnly) {
        regimes.add("dynamic");
      }
      for (String regime : regimes) {
        acc.computeIfAbsent(kind + "," + regime + "," + mode, k -> new HashMap<>())
            .computeIfAbsent(r.strategy(), s -> new double[2]);
        double[] a = acc.get(kind + "," + regime + "," + mode).get(r.strategy());
        a[0] += Math.log(r.ratioMedian());
        a[1]++;
      }
    }
    StringBuilder sb = new StringBuilder("# AUTO's measured preferences, fastest first; written by"
        + " 'dynconv bench --suite layers'.\n# " + provenance + "\nkind,batch,mode,strategies\n");
    for (var e : acc.entrySet()) {
      List<Map.Entry<String, double[]>> order = new ArrayList<>(e.getValue().entrySet());
      order.sort((a, b) -> Double.compare(a.getValue()[0] / a.getValue()[1],
          b.getValue()[0] / b.getValue()[1]));
      List<String> names = new ArrayList<>();
      for (var o : order) {
        Strategy.valueOf(o.getKey());
        names.add(o.getKey());
      }
      sb.append(e.getKey()).append(',').append(String.join("|", names)).append('\n');
      sb.append(String.format(Locale.ROOT, "# %s geometric-mean ratios: %s%n", e.getKey(),
          order.stream().map(o -> String.format(Locale.ROOT, "%s %.2f", o.getKey(),
              Math.exp(o.getValue()[0] / o.getValue()[1]))).toList()));
    }
    AtomicFiles.writeString(file, sb.toString());
    return file;
  }
}

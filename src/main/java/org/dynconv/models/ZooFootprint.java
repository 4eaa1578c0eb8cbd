package org.dynconv.models;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.tensorflow.Graph;

/**
 * Trainable parameters and multiply-adds per image of every zoo model, as {@code dynconv models}
 * lists them. Counting builds the model's graph, which takes seconds per model in TF Java (each
 * new name scope scans the whole graph), so the listing reads a table stored with the code,
 * {@code zoo-footprint.csv}; {@code ZooFootprintTest} builds every model and checks that the table
 * equals what the builds count, so it cannot go stale.
 */
public final class ZooFootprint {
  static final String RESOURCE = "zoo-footprint.csv";

  private ZooFootprint() {}

  /**
   * One row of the listing.
   *
   * @param label the model's name, with {@code --experts N} for a variant the name alone does not
   *     give (ODConv with four kernels)
   * @param experts the experts argument of {@link ModelZoo#get(String, int)}, 0 for the default
   */
  public record Row(String label, String model, int experts, long parameters, long macs,
      int height, int width, int channels) {}

  /** The rows the listing shows, in zoo order, without their counts. */
  public static List<Row> entries() {
    List<Row> out = new ArrayList<>();
    for (String name : ModelZoo.names()) {
      out.add(new Row(name, name, 0, 0, 0, 0, 0, 0));
      if (name.endsWith("-odconv")) {
        out.add(new Row(name + " --experts 4", name, 4, 0, 0, 0, 0, 0));
      }
    }
    return out;
  }

  /** Builds {@code entry}'s graph and counts. */
  public static Row measure(Row entry) {
    ModelSpec spec = ModelZoo.get(entry.model(), entry.experts());
    try (Graph g = new Graph()) {
      Model m = spec.build(LayerScope.root(g, 0), Mode.INFER);
      return new Row(entry.label(), entry.model(), entry.experts(), m.parameterCount(),
          m.macsPerImage(), spec.height(), spec.width(), spec.channels());
    }
  }

  /** The stored table. */
  public static List<Row> stored() {
    try (InputStream in = ZooFootprint.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("ZooFootprint: the jar has no " + RESOURCE + ".");
      }
      List<Row> rows = new ArrayList<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      r.readLine();
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",");
        rows.add(new Row(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]),
            Integer.parseInt(f[7])));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The table's text: a header, then one line per row. */
  public static String csv(List<Row> rows) {
    StringBuilder sb = new StringBuilder("label,model,experts,parameters,macs,height,width,channels\n");
    for (Row r : rows) {
      sb.append(String.join(",", r.label(), r.model(), Integer.toString(r.experts()),
          Long.toString(r.parameters()), Long.toString(r.macs()), Integer.toString(r.height()),
          Integer.toString(r.width()), Integer.toString(r.channels()))).append('\n');
    }
    return sb.toString();
  }
}

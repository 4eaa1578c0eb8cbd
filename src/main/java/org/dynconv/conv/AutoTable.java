package org.dynconv.conv;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.graph.Mode;

/**
 * AUTO's measured preferences: for each layer kind (1x1, depthwise, regular k x k), batch regime
 * (static 1, static 2..8, static above 8, unknown) and mode (inference, training), the strategies
 * in order of measured speed. The table is the resource {@code auto-table.csv}, written by {@code
 * dynconv bench --suite layers} from its own measurements (see the README's Performance section);
 * AUTO takes the first entry that can compute the layer and, when training, be differentiated.
 */
public final class AutoTable {
  private static final String RESOURCE = "/org/dynconv/conv/auto-table.csv";
  private static final Map<String, List<Strategy>> TABLE = load();

  private AutoTable() {}

  /** Layer kinds as the table names them. */
  public static String kindKey(ConvProblem p) {
    if (p.geometry().isPointwise()) {
      return "pointwise";
    }
    return p.kind() == ConvKind.DEPTHWISE ? "depthwise" : "regular";
  }

  /** Batch regimes as the table names them. */
  public static String batchKey(long batch) {
    if (batch < 0) {
      return "dynamic";
    }
    return batch == 1 ? "1" : batch <= 8 ? "2-8" : "9+";
  }

  public static String key(String kind, String batch, Mode mode) {
    return kind + "," + batch + "," + (mode.training() ? "train" : "infer");
  }

  /** The preferred strategies for {@code p} in {@code mode}, fastest first (may be empty). */
  public static List<Strategy> preferences(ConvProblem p, Mode mode) {
    return TABLE.getOrDefault(key(kindKey(p), batchKey(p.batch()), mode), List.of());
  }

  private static Map<String, List<Strategy>> load() {
    Map<String, List<Strategy>> t = new HashMap<>();
    try (InputStream in = AutoTable.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return t;
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#") || line.startsWith("kind,")) {
          continue;
        }
        String[] f = line.split(",");
        List<Strategy> order = new ArrayList<>();
        for (String s : f[3].split("\\|")) {
          order.add(Strategy.valueOf(s.trim()));
        }
        t.put(f[0] + "," + f[1] + "," + f[2], List.copyOf(order));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return t;
  }
}

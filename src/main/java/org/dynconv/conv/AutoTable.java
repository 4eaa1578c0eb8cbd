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
import org.dynconv.graph.RuntimeSupport;

/**
 * AUTO's measured preferences: for each layer kind (1x1, depthwise, regular k x k), batch regime
 * (static 1, static 2..8, static above 8, unknown) and mode (inference, training), the strategies
 * in order of measured speed. AUTO takes the first entry that can compute the layer and, when
 * training, be differentiated.
 *
 * <p>There is one table per runtime, because oneDNN changes which strategy is fastest (without it
 * TensorFlow's grouped and transposed kernels are slower; src/site/markdown/results/performance.md, AUTO): {@code
 * auto-table-onednn.csv} and {@code auto-table-no-onednn.csv}, resources beside this class, each
 * written by {@code dynconv bench --suite layers} from its own measurements on a runtime of that
 * kind. The one for this process's runtime ({@link RuntimeSupport#oneDnn()}) is read once.
 */
public final class AutoTable {
  private static final String DIR = "/org/dynconv/conv/";
  private static final String SOURCE = fileName(RuntimeSupport.oneDnn());
  private static final Map<String, List<Strategy>> TABLE = read(SOURCE);

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

  /** The table's file name for a runtime with or without oneDNN; {@code bench} writes this name. */
  public static String fileName(boolean oneDnn) {
    return oneDnn ? "auto-table-onednn.csv" : "auto-table-no-onednn.csv";
  }

  /** The file name of the table this process uses, for logs and {@code dynconv version}. */
  public static String source() {
    return SOURCE;
  }

  /**
   * Reads the table resource {@code fileName}: lines {@code kind,batch,mode,S1|S2|...}, with
   * {@code #} comments and a header.
   *
   * @throws IllegalStateException when the resource is missing or a line is malformed (a packaging
   *     or editing error: AUTO must not silently fall back)
   */
  static Map<String, List<Strategy>> read(String fileName) {
    Map<String, List<Strategy>> t = new HashMap<>();
    try (InputStream in = AutoTable.class.getResourceAsStream(DIR + fileName)) {
      if (in == null) {
        throw new IllegalStateException("AutoTable: resource '" + DIR + fileName
            + "' is missing; expected it in the jar (written by 'dynconv bench --suite layers').");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      int n = 0;
      for (String line; (line = r.readLine()) != null; ) {
        n++;
        if (line.isBlank() || line.startsWith("#") || line.startsWith("kind,")) {
          continue;
        }
        String[] f = line.split(",");
        if (f.length != 4) {
          throw malformed(fileName, n, line);
        }
        List<Strategy> order = new ArrayList<>();
        for (String s : f[3].split("\\|")) {
          try {
            order.add(Strategy.valueOf(s.trim()));
          } catch (IllegalArgumentException e) {
            throw malformed(fileName, n, line);
          }
        }
        t.put(f[0] + "," + f[1] + "," + f[2], List.copyOf(order));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return t;
  }

  private static IllegalStateException malformed(String fileName, int lineNo, String line) {
    return new IllegalStateException("AutoTable: " + fileName + " line " + lineNo + " is '" + line
        + "'; expected kind,batch,mode,STRATEGY|STRATEGY|... with Strategy names.");
  }
}

package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.dynconv.mixing.ExpertMixer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;

/**
 * The bank suite: would a half-width expert bank make batch-1 mixing faster on this machine? At
 * batch 1 mixing is a matrix-vector product {@code [1,E] x [E,P]} bound by reading the bank, so a
 * bank stored in bfloat16 or float16 halves the bytes read. For every conditional layer shape of
 * efficientnet-condconv-b0 (E = 8) this times, against float32 mixing ({@link ExpertMixer#mix}, the
 * product the default export runs), in one process and interleaved:
 *
 * <ul>
 *   <li>{@code bfloat16} and {@code float16}: the bank stored at half width, the routing weights
 *       cast to it, one half-width MatMul, the mixed kernel cast back to float32 for the
 *       convolution;
 *   <li>{@code bfloat16 cast first}: the bank stored in bfloat16 and widened to float32 before a
 *       float32 MatMul.
 * </ul>
 *
 * Each row also gives the half-width bank's bytes and their floor at the run's measured bandwidth,
 * and the log prints the largest deviation of each half-width kernel from the float32 one,
 * relative to the float32 kernel's largest magnitude (bfloat16 keeps 8 significant bits, float16
 * 11, so about 2^-9 and 2^-12 of a weight per rounding).
 */
public final class BankBench {
  private BankBench() {}

  static final List<String> CANDIDATES = List.of("bfloat16", "float16", "bfloat16 cast first");

  public static List<BenchRow> run(List<LayerCase> cases, int experts, Threads threads, int warmup,
      int reps, double bandwidth, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    for (LayerCase c : cases) {
      rows.addAll(one(c, experts, threads, warmup, reps, bandwidth, log));
    }
    return rows;
  }

  static List<BenchRow> one(LayerCase c, int e, Threads threads, int warmup, int reps,
      double bandwidth, PrintStream log) {
    long p = c.kernelParams();
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 1);
      Ops tf = root.ops();
      Operand<TFloat32> r = tf.math.add(Variables.create(root, "r", Shape.of(1, e),
          Initializers.uniform(0.5), VariableRef.Kind.STATE).read(), tf.constant(0.5f));
      VariableRef bank = Variables.create(root, "bank", Shape.of(e, p), Initializers.normal(0.05),
          VariableRef.Kind.STATE);
      // The half-width banks start from the float32 bank's initial values, rounded.
      Operand<TBfloat16> bf16 = tf.identity(tf.variable(tf.dtypes.cast(bank.initialized(),
          TBfloat16.class)));
      Operand<TFloat16> f16 = tf.identity(tf.variable(tf.dtypes.cast(bank.initialized(),
          TFloat16.class)));
      Operand<TFloat32> base = ExpertMixer.mix(tf, r, bank.read());
      // The half-width products are the export's own (ExpertBank mixes a half-width bank so).
      List<Operand<TFloat32>> candidates = List.of(
          ExpertMixer.mixAtWidth(tf, r, bf16, ExpertMixer::mix),
          ExpertMixer.mixAtWidth(tf, r, f16, ExpertMixer::mix),
          ExpertMixer.mix(tf, r, tf.dtypes.cast(bf16, TFloat32.class)));
      try (Session s = threads.session(g)) {
        s.initialize();
        double[] deviation = deviations(s, base, candidates);
        List<Runnable> runs = new ArrayList<>();
        candidates.forEach(t -> runs.add(() -> LayerBench.run(s, List.of(t))));
        List<Interleaved.Ratio> ratios = Interleaved.measure(() -> LayerBench.run(s, List.of(base)),
            runs, warmup, reps);
        long fullBytes = Float.BYTES * e * p, halfBytes = fullBytes / 2;
        List<BenchRow> rows = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < CANDIDATES.size(); i++) {
          rows.add(BenchRow.of("bank", c.name(), 1, e, CANDIDATES.get(i), "forward",
              ratios.get(i), 1.0).withFloor(halfBytes, fullBytes,
              Bandwidth.floorMs(halfBytes, bandwidth)));
          line.append(String.format("%s %.2fx (dev %.1e)  ", CANDIDATES.get(i),
              ratios.get(i).median(), deviation[i]));
        }
        log.printf("  %-28s E=%d float32 mix %7.3f ms (floor %.3f ms; half %.3f ms) | %s%n",
            c.name(), e, ratios.get(0).baselineMs(), Bandwidth.floorMs(fullBytes, bandwidth),
            Bandwidth.floorMs(halfBytes, bandwidth), line);
        return rows;
      }
    }
  }

  /** Per candidate, {@code max |candidate - base| / max |base|}, in double. */
  private static double[] deviations(Session s, Operand<TFloat32> base,
      List<Operand<TFloat32>> candidates) {
    Session.Runner runner = s.runner().fetch(base);
    candidates.forEach(runner::fetch);
    try (Result res = runner.run()) {
      float[] ref = Tensors.toArray((TFloat32) res.get(0));
      double scale = 0;
      for (float v : ref) {
        scale = Math.max(scale, Math.abs(v));
      }
      double[] out = new double[candidates.size()];
      for (int i = 0; i < out.length; i++) {
        float[] got = Tensors.toArray((TFloat32) res.get(i + 1));
        double worst = 0;
        for (int j = 0; j < ref.length; j++) {
          worst = Math.max(worst, Math.abs((double) got[j] - ref[j]));
        }
        out[i] = worst / scale;
      }
      return out;
    }
  }
}

package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.dynconv.layers.DcdConv2d;
import org.dynconv.layers.DcdConv2dConfig;
import org.dynconv.layers.OdConv2d;
import org.dynconv.layers.OdConv2dConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.routing.OdAttentionConfig;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * DCD and ODConv layers against a static convolution of the same shape, on the layer shapes of
 * the CondConv cases: forward (inference mode) at batch 1 and 32 and forward plus backward
 * (training mode: the output and the gradients with respect to the input and every trainable
 * variable of the layer; the static side computes the input and kernel gradients) at batch 32.
 * Each time ratio is printed beside the multiply-add ratio of the same pair and their quotient.
 *
 * <p>DCD takes the official MobileNetV2 rule for 1x1 layers and the ResNet basic-block rule for 3x3
 * layers, and leaves depthwise layers static (as MobileNetV2-DCD does); ODConv runs with n = 1
 * (every path that applies, AUTO's choice marked) and n = 4 (AUTO).
 */
public final class FamilyBench {
  private FamilyBench() {}

  /**
   * A candidate layer built into the case's graph: its name, timed ops, multiply-adds and the
   * bytes of its variables (float32), all of which inference reads per image at batch 1.
   */
  private record Candidate(String name, int experts, List<Operand<?>> ops, long macs,
      long weightBytes) {}

  /**
   * @param bandwidth bytes per second of a streaming read ({@link Bandwidth}), for the batch-1
   *     floors
   */
  public static List<BenchRow> run(List<LayerCase> cases, boolean train, Threads threads,
      int warmup, int reps, double bandwidth, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    for (LayerCase c : cases) {
      rows.addAll(one(c, 1, false, threads, warmup, reps, bandwidth, log));
      rows.addAll(one(c, 32, false, threads, warmup, reps, bandwidth, log));
      if (train) {
        rows.addAll(one(c, 32, true, threads, warmup, reps, bandwidth, log));
      }
    }
    return rows;
  }

  static List<BenchRow> one(LayerCase c, int b, boolean train, Threads threads, int warmup,
      int reps, double bandwidth, PrintStream log) {
    String pass = train ? "train" : "forward";
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 1);
      Ops tf = root.ops();
      VariableRef xv = Variables.create(root, "x", Shape.of(b, c.size(), c.size(), c.inChannels()),
          Initializers.normal(1), VariableRef.Kind.STATE);
      Operand<TFloat32> x = xv.read();
      List<Operand<?>> baseline = baseline(root.child("static"), c, x, train);
      List<Candidate> candidates = candidates(root, c, x, b, train);
      try (Session s = threads.session(g)) {
        s.initialize();
        List<Runnable> runs = new ArrayList<>();
        candidates.forEach(k -> runs.add(() -> run(s, k.ops())));
        List<Interleaved.Ratio> ratios = Interleaved.measure(() -> run(s, baseline), runs, warmup,
            reps);
        List<BenchRow> rows = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < candidates.size(); i++) {
          Candidate k = candidates.get(i);
          double macRatio = (double) k.macs() / c.convMacs();
          BenchRow row = BenchRow.of("family", c.name(), b, k.experts(), k.name(), pass,
              ratios.get(i), macRatio);
          if (b == 1) {
            row = row.withFloor(k.weightBytes(), Float.BYTES * c.kernelParams(),
                Bandwidth.floorMs(k.weightBytes(), bandwidth));
          }
          rows.add(row);
          line.append(String.format("%s %.2fx/%.2f=%.2f  ", k.name(), row.ratioMedian(), macRatio,
              row.efficiency()));
        }
        log.printf("  %-32s B=%-2d %-7s static %7.3f ms | %s%n", c.name(), b, pass,
            ratios.get(0).baselineMs(), line);
        return rows;
      }
    }
  }

  /**
   * Where the time of one case goes: TensorFlow's trace of the static convolution and of the
   * candidate named {@code name} (e.g. "DCD", "ODConv1"), summed by op type over {@code runs}
   * runs with one inter-op thread (so that kernel times add up).
   */
  public static void profile(LayerCase c, int b, boolean train, String name, Threads threads,
      int runs, PrintStream log) {
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 1);
      VariableRef xv = Variables.create(root, "x", Shape.of(b, c.size(), c.size(), c.inChannels()),
          Initializers.normal(1), VariableRef.Kind.STATE);
      Operand<TFloat32> x = xv.read();
      List<Operand<?>> baseline = baseline(root.child("static"), c, x, train);
      Candidate k = candidates(root, c, x, b, train).stream()
          .filter(cand -> cand.name().startsWith(name)).findFirst().orElseThrow();
      try (Session s = new Threads(threads.intraOp(), 1).session(g)) {
        s.initialize();
        for (int i = 0; i < 10; i++) {
          run(s, baseline);
          run(s, k.ops());
        }
        var base = OpProfile.byOpType(s, baseline, runs);
        var cand = OpProfile.byOpType(s, k.ops(), runs);
        log.printf("  %s B=%d %s: static %.1f us, %s %.1f us (kernel time by op type per run, one"
            + " inter-op thread; MACs %.2fx)%n", c.name(), b, train ? "train" : "forward",
            OpProfile.total(base) / runs, k.name(), OpProfile.total(cand) / runs,
            (double) k.macs() / c.convMacs());
        log.print("   static:\n" + OpProfile.format(base, runs));
        log.print("   " + k.name() + ":\n" + OpProfile.format(cand, runs));
      }
    }
  }

  private static List<Candidate> candidates(LayerScope root, LayerCase c, Operand<TFloat32> x,
      int b, boolean train) {
    Mode mode = train ? Mode.TRAIN : Mode.INFER;
    Ops tf = root.ops();
    List<Candidate> out = new ArrayList<>();
    int size = c.size();
    if (c.kind() == ConvKind.REGULAR) {
      DcdConv2dConfig cfg = c.geometry().isPointwise()
          ? DcdConv2dConfig.mobileNetV2(c.kernelOut(), c.inChannels(), 8)
          : DcdConv2dConfig.resnetBasic(c.kernelOut(), c.geometry(), c.inChannels());
      DcdConv2d dcd = DcdConv2d.create(root.child("dcd"), cfg, c.inChannels());
      Operand<TFloat32> y = dcd.apply(x, mode).output();
      out.add(new Candidate("DCD", cfg.latent(), targets(tf, y, x, dcd.variables(), train),
          dcd.macs(size, size), bytes(dcd.variables())));
    }
    Operand<TFloat32> temperature = tf.constant(1f);
    List<Strategy> oneKernel = c.geometry().isPointwise() ? List.of(Strategy.AUTO)
        : b == 1 ? List.of(Strategy.AUTO, Strategy.TAPS, Strategy.FUSED)
        : List.of(Strategy.AUTO, Strategy.TAPS, Strategy.LOOP, Strategy.GROUPED);
    for (Strategy st : oneKernel) {
      add(out, root, c, x, 1, st, temperature, train);
    }
    add(out, root, c, x, 4, Strategy.AUTO, temperature, train);
    return out;
  }

  private static void add(List<Candidate> out, LayerScope root, LayerCase c, Operand<TFloat32> x,
      int n, Strategy st, Operand<TFloat32> temperature, boolean train) {
    Mode mode = train ? Mode.TRAIN : Mode.INFER;
    LayerScope scope = root.child("od" + n + "_" + st.name().toLowerCase());
    int size = c.size();
    try {
      OdConv2d od = OdConv2d.create(scope, new OdConv2dConfig(c.kind(), c.kernelOut(),
          c.geometry(), n, OdAttentionConfig.defaults(), 1f, st), c.inChannels(), temperature);
      Strategy used = od.strategyFor(x, mode);
      Operand<TFloat32> y = od.apply(x, mode).output();
      List<VariableRef> vars = od.variables();
      long macs = od.macs(size, size);
      String path = used == null ? "" : st == Strategy.AUTO ? " AUTO(" + used + ")" : " " + used;
      out.add(new Candidate("ODConv" + n + path, n, targets(root.ops(), y, x, vars, train), macs,
          bytes(vars)));
    } catch (IllegalArgumentException notApplicable) {
      // GROUPED cannot train without oneDNN; FUSED needs a batch of 1.
    }
  }

  private static long bytes(List<VariableRef> vars) {
    return Float.BYTES * vars.stream().mapToLong(VariableRef::size).sum();
  }

  private static List<Operand<?>> targets(Ops tf, Operand<TFloat32> y, Operand<TFloat32> x,
      List<VariableRef> vars, boolean train) {
    if (!train) {
      return List.of(y);
    }
    List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x));
    vars.stream().filter(VariableRef::trainable).forEach(v -> wrt.add(v.read()));
    Operand<TFloat32> loss = tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3}));
    Gradients grads = tf.gradients(loss, wrt);
    List<Operand<?>> out = new ArrayList<>(List.of(y));
    for (int i = 0; i < wrt.size(); i++) {
      out.add(grads.dy(i));
    }
    return out;
  }

  private static List<Operand<?>> baseline(LayerScope scope, LayerCase c, Operand<TFloat32> x,
      boolean train) {
    Conv2d conv = Conv2d.create(scope, new Conv2dConfig(c.kind(), c.kernelOut(), c.geometry(),
        false, Activation.NONE), c.inChannels());
    return targets(scope.ops(), conv.apply(x), x, conv.variables(), train);
  }

  private static void run(Session s, List<Operand<?>> targets) {
    Session.Runner r = s.runner();
    targets.forEach(t -> r.addTarget(t.op()));
    r.run().close();
  }
}

package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dynconv.config.Activation;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.ConditionalConv;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * The layers suite: each CondConv layer shape of efficientnet-condconv-b0 (blocks 8-15), at batch
 * 1, 8 and 32 and 4 or 8 experts, for every strategy that can compute it plus MIXTURE, against a
 * static Conv2D or DepthwiseConv2dNative of the same shape; forward (inference mode) and forward
 * plus backward (the gradients a training step takes: with respect to the input and the kernels,
 * and for a conditional layer also the routing weights, through which its router learns; the
 * static layer has none). Inputs are variables, so no feeding enters the times. At batch 1 every
 * row carries its weight floor: each strategy and MIXTURE read the whole expert bank ({@code E}
 * kernels, float32) per image.
 */
public final class LayerBench {
  static final List<Strategy> STRATEGIES = List.of(Strategy.LOOP, Strategy.GROUPED,
      Strategy.DEPTHWISE_FOLD, Strategy.BATCHED_MATMUL, Strategy.FUSED, Strategy.KERNEL,
      Strategy.AUTO);
  /** A DEPTHWISE_FOLD regular conv holds B*H'*W'*Cin*Cout floats; skip it above this. */
  static final long FOLD_LIMIT_FLOATS = 64L << 20;

  private LayerBench() {}

  /**
   * @param bandwidth bytes per second of a streaming read ({@link Bandwidth}), for the batch-1
   *     floors
   */
  public static List<BenchRow> run(List<LayerCase> cases, int[] batches, int[] experts,
      boolean train, Threads threads, int warmup, int reps, double bandwidth, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    for (LayerCase c : cases) {
      for (int b : batches) {
        for (int e : experts) {
          rows.addAll(one(c, b, e, false, threads, warmup, reps, bandwidth, log));
          if (train) {
            rows.addAll(one(c, b, e, true, threads, warmup, reps, bandwidth, log));
          }
        }
      }
    }
    return rows;
  }

  static List<BenchRow> one(LayerCase c, int b, int e, boolean train, Threads threads, int warmup,
      int reps, double bandwidth, PrintStream log) {
    String pass = train ? "train" : "forward";
    try (Graph g = new Graph()) {
      Built built = build(LayerScope.root(g, 1), c, b, e, train);
      try (Session s = threads.session(g)) {
        s.initialize();
        List<Runnable> candidates = new ArrayList<>();
        built.ops().forEach(op -> candidates.add(() -> run(s, op)));
        List<Interleaved.Ratio> ratios = Interleaved.measure(() -> run(s, built.baseline()),
            candidates, warmup, reps);
        List<BenchRow> rows = new ArrayList<>();
        double macRatio = macRatio(c, e);
        long bankBytes = Float.BYTES * e * c.kernelParams();
        double floorMs = Bandwidth.floorMs(bankBytes, bandwidth);
        for (int i = 0; i < built.names().size(); i++) {
          BenchRow row = BenchRow.of("layers", c.name(), b, e, built.names().get(i), pass,
              ratios.get(i), built.names().get(i).equals("MIXTURE") ? (double) e : macRatio);
          rows.add(b == 1 ? row.withFloor(bankBytes, Float.BYTES * c.kernelParams(), floorMs) : row);
        }
        log.printf("  %-32s B=%-2d E=%d %-7s static %7.3f ms | %s%s%n", c.name(), b, e, pass,
            ratios.get(0).baselineMs(), summary(built.names(), ratios), b != 1 ? ""
                : String.format("| bank %.2f MB: floor %.3f ms = %.2fx static", bankBytes / 1e6,
                    floorMs, floorMs / ratios.get(0).baselineMs()));
        return rows;
      }
    }
  }

  /**
   * Convolution plus mixing multiply-adds of the conditional layer over those of the static one
   * (MIXTURE computes E convolutions: ratio E).
   */
  static double macRatio(LayerCase c, int e) {
    try (Graph g = new Graph()) {
      ConditionalConv layer = conditional(LayerScope.root(g, 1), c, e, Strategy.AUTO);
      return (double) layer.macs(c.size(), c.size()) / c.convMacs();
    }
  }

  /**
   * Where the time of one case goes: TensorFlow's trace of the static baseline and of AUTO, summed
   * by op type over {@code runs} runs after warm-up, printed largest first.
   */
  public static void profile(LayerCase c, int b, int e, boolean train, Threads threads, int runs,
      PrintStream log) {
    try (Graph g = new Graph()) {
      Built built = build(LayerScope.root(g, 1), c, b, e, train);
      int auto = 0;
      while (!built.names().get(auto).startsWith("AUTO")) {
        auto++;
      }
      List<Operand<?>> autoOps = built.ops().get(auto);
      try (Session s = threads.session(g)) {
        s.initialize();
        for (int i = 0; i < 10; i++) {
          run(s, built.baseline());
          run(s, autoOps);
        }
        Map<String, Long> base = OpProfile.byOpType(s, built.baseline(), runs);
        Map<String, Long> cond = OpProfile.byOpType(s, autoOps, runs);
        log.printf("  %s B=%d E=%d %s: static %.1f us, %s %.1f us (kernel time summed by op type"
            + " per run)%n", c.name(), b, e, train ? "train" : "forward",
            OpProfile.total(base) / runs, built.names().get(auto), OpProfile.total(cond) / runs);
        log.print("   static:\n" + OpProfile.format(base, runs));
        log.print("   " + built.names().get(auto) + ":\n" + OpProfile.format(cond, runs));
      }
    }
  }

  /** A case's graph: the static baseline's targets and each applicable strategy's, by name. */
  private record Built(List<Operand<?>> baseline, List<String> names,
      List<List<Operand<?>>> ops) {}

  private static Built build(LayerScope root, LayerCase c, int b, int e, boolean train) {
    Mode mode = train ? Mode.TRAIN : Mode.INFER;
    Ops tf = root.ops();
    VariableRef xv = Variables.create(root, "x", Shape.of(b, c.size(), c.size(), c.inChannels()),
        Initializers.normal(1), VariableRef.Kind.STATE);
    VariableRef rv = Variables.create(root, "r", Shape.of(b, e), Initializers.uniform(0.5),
        VariableRef.Kind.STATE);
    Operand<TFloat32> x = xv.read();
    Operand<TFloat32> r = tf.math.add(rv.read(), tf.constant(0.5f));
    List<Operand<?>> baseline = baseline(root.child("static"), c, x, train);
    List<String> names = new ArrayList<>();
    List<List<Operand<?>>> ops = new ArrayList<>();
    for (Strategy s : STRATEGIES) {
      LayerScope scope = root.child(s.name().toLowerCase());
      try {
        if (s == Strategy.DEPTHWISE_FOLD && c.kind() == ConvKind.REGULAR
            && (long) b * c.convMacs() / (c.geometry().kernelH() * c.geometry().kernelW())
                > FOLD_LIMIT_FLOATS) {
          continue;
        }
        ConditionalConv layer = conditional(scope, c, e, s);
        Strategy resolved = layer.strategyFor(x, mode);
        Operand<TFloat32> y = layer.apply(x, r, mode);
        ops.add(target(tf, y, x, layer.experts().kernel(), r, train));
        names.add(s == Strategy.AUTO ? "AUTO(" + resolved + ")" : s.name());
      } catch (IllegalArgumentException notApplicable) {
        // LOOP needs a static batch, BATCHED_MATMUL a 1x1 kernel, GROUPED gradients oneDNN.
      }
    }
    ConditionalConv mix = conditional(root.child("mixture"), c, e, Strategy.AUTO);
    ops.add(target(tf, MixtureConv.apply(tf, x, r, mix.experts(), c.kind(), c.geometry()), x,
        mix.experts().kernel(), r, train));
    names.add("MIXTURE");
    return new Built(baseline, names, ops);
  }

  private static String summary(List<String> names, List<Interleaved.Ratio> ratios) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      sb.append(String.format("%s %.2fx  ", names.get(i), ratios.get(i).median()));
    }
    return sb.toString();
  }

  /**
   * Runs the targets without fetching them. Targets must be the computed ops themselves: grappler
   * prunes the inputs of a NoOp that only has control dependencies on them.
   */
  static void run(Session s, List<Operand<?>> targets) {
    Session.Runner r = s.runner();
    targets.forEach(t -> r.addTarget(t.op()));
    r.run().close();
  }

  /**
   * The ops a timed run executes: the output, and with {@code train} also the gradients with
   * respect to the input, the kernel (the expert bank, or the static layer's kernel) and, for a
   * conditional layer, the routing weights: the gradients a training step computes (without the
   * routing's, a strategy that derives it together with the bank's would be charged for work the
   * others skip).
   *
   * @param routing the conditional layer's routing weights, or null for the static layer
   */
  static List<Operand<?>> target(Ops tf, Operand<TFloat32> y, Operand<TFloat32> x,
      VariableRef kernel, Operand<TFloat32> routing, boolean train) {
    if (!train) {
      return List.of(y);
    }
    List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x, kernel.read()));
    if (routing != null) {
      wrt.add(routing);
    }
    Operand<TFloat32> loss = tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3}));
    Gradients grads = tf.gradients(loss, wrt);
    // The output too: the gradients of a sum do not need it, and a training step does.
    List<Operand<?>> out = new ArrayList<>(List.of(y));
    for (int i = 0; i < wrt.size(); i++) {
      out.add(grads.dy(i));
    }
    return out;
  }

  static List<Operand<?>> baseline(LayerScope scope, LayerCase c, Operand<TFloat32> x,
      boolean train) {
    Conv2d conv = Conv2d.create(scope, new Conv2dConfig(c.kind(), c.kernelOut(), c.geometry(),
        false, Activation.NONE), c.inChannels());
    return target(scope.ops(), conv.apply(x), x, conv.kernel(), null, train);
  }

  static ConditionalConv conditional(LayerScope scope, LayerCase c, int e, Strategy s) {
    return CondConv2d.create(scope, new CondConv2dConfig(c.kind(), c.kernelOut(), c.geometry(), e,
        false, Activation.NONE, s), c.inChannels());
  }
}

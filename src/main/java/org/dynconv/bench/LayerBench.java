package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
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
import org.dynconv.layers.DepthwiseCondConv2d;
import org.dynconv.layers.DepthwiseCondConv2dConfig;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DepthwiseConv2d;
import org.dynconv.nn.DepthwiseConv2dConfig;
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
 * plus backward (gradients with respect to the input and the kernels). Inputs are variables, so
 * no feeding enters the times.
 */
public final class LayerBench {
  static final List<Strategy> STRATEGIES = List.of(Strategy.LOOP, Strategy.GROUPED,
      Strategy.DEPTHWISE_FOLD, Strategy.BATCHED_MATMUL, Strategy.FUSED, Strategy.AUTO);
  /** A DEPTHWISE_FOLD regular conv holds B*H'*W'*Cin*Cout floats; skip it above this. */
  static final long FOLD_LIMIT_FLOATS = 64L << 20;

  private LayerBench() {}

  public static List<BenchRow> run(List<LayerCase> cases, int[] batches, int[] experts,
      boolean train, Threads threads, int warmup, int reps, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    for (LayerCase c : cases) {
      for (int b : batches) {
        for (int e : experts) {
          rows.addAll(one(c, b, e, false, threads, warmup, reps, log));
          if (train) {
            rows.addAll(one(c, b, e, true, threads, warmup, reps, log));
          }
        }
      }
    }
    return rows;
  }

  static List<BenchRow> one(LayerCase c, int b, int e, boolean train, Threads threads, int warmup,
      int reps, PrintStream log) {
    Mode mode = train ? Mode.TRAIN : Mode.INFER;
    String pass = train ? "train" : "forward";
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 1);
      Ops tf = root.ops();
      VariableRef xv = Variables.create(root, "x", Shape.of(b, c.size(), c.size(), c.inChannels()),
          Initializers.normal(1), VariableRef.Kind.STATE);
      VariableRef rv = Variables.create(root, "r", Shape.of(b, e), Initializers.uniform(0.5),
          VariableRef.Kind.STATE);
      Operand<TFloat32> x = xv.read();
      Operand<TFloat32> r = tf.math.add(rv.read(), tf.constant(0.5f));
      List<Operand<?>> baseline = target(tf, baseline(root.child("static"), c, x), x, null, train);
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
          Conditional layer = conditional(scope, c, e, s);
          Strategy resolved = layer.strategy(x, mode);
          Operand<TFloat32> y = layer.apply(x, r, mode);
          ops.add(target(tf, y, x, layer.bank(), train));
          names.add(s == Strategy.AUTO ? "AUTO(" + resolved + ")" : s.name());
        } catch (IllegalArgumentException notApplicable) {
          // LOOP needs a static batch, BATCHED_MATMUL a 1x1 kernel, GROUPED gradients oneDNN.
        }
      }
      Conditional mix = conditional(root.child("mixture"), c, e, Strategy.AUTO);
      ops.add(target(tf, MixtureConv.apply(tf, x, r, mix.bank(), c.kind(), c.geometry()), x,
          mix.bank(), train));
      names.add("MIXTURE");
      try (Session s = threads.session(g)) {
        s.initialize();
        List<Runnable> candidates = new ArrayList<>();
        ops.forEach(op -> candidates.add(() -> run(s, op)));
        List<Interleaved.Ratio> ratios = Interleaved.measure(() -> run(s, baseline), candidates,
            warmup, reps);
        List<BenchRow> rows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          rows.add(BenchRow.of("layers", c.name(), b, e, names.get(i), pass, ratios.get(i)));
        }
        log.printf("  %-32s B=%-2d E=%d %-7s static %7.3f ms | %s%n", c.name(), b, e, pass,
            ratios.get(0).baselineMs(), summary(names, ratios));
        return rows;
      }
    }
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
  private static void run(Session s, List<Operand<?>> targets) {
    Session.Runner r = s.runner();
    targets.forEach(t -> r.addTarget(t.op()));
    r.run().close();
  }

  /** The ops a timed run executes: the output, or with {@code train} the gradients. */
  private static List<Operand<?>> target(Ops tf, Operand<TFloat32> y, Operand<TFloat32> x,
      ExpertBank bank, boolean train) {
    if (!train) {
      return List.of(y);
    }
    List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(x));
    if (bank != null) {
      wrt.add(bank.kernel().read());
    }
    Operand<TFloat32> loss = tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3}));
    Gradients grads = tf.gradients(loss, wrt);
    List<Operand<?>> out = new ArrayList<>();
    for (int i = 0; i < wrt.size(); i++) {
      out.add(grads.dy(i));
    }
    return out;
  }

  private static Operand<TFloat32> baseline(LayerScope scope, LayerCase c, Operand<TFloat32> x) {
    if (c.kind() == ConvKind.REGULAR) {
      return Conv2d.create(scope, Conv2dConfig.of(c.kernelOut(), c.geometry()).withBias(false),
          c.inChannels()).apply(x);
    }
    return DepthwiseConv2d.create(scope, DepthwiseConv2dConfig.of(c.geometry()).withBias(false),
        c.inChannels()).apply(x);
  }

  /** A CondConv2d or DepthwiseCondConv2d behind one face. */
  interface Conditional {
    Strategy strategy(Operand<TFloat32> x, Mode mode);

    Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> r, Mode mode);

    ExpertBank bank();
  }

  static Conditional conditional(LayerScope scope, LayerCase c, int e, Strategy s) {
    if (c.kind() == ConvKind.REGULAR) {
      CondConv2d l = CondConv2d.create(scope,
          CondConv2dConfig.of(c.kernelOut(), c.geometry(), e).withBias(false).withStrategy(s),
          c.inChannels());
      return new Conditional() {
        public Strategy strategy(Operand<TFloat32> x, Mode m) {
          return l.strategyFor(x, m);
        }

        public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> r, Mode m) {
          return l.apply(x, r, m);
        }

        public ExpertBank bank() {
          return l.experts();
        }
      };
    }
    DepthwiseCondConv2d l = DepthwiseCondConv2d.create(scope,
        DepthwiseCondConv2dConfig.of(c.geometry(), e).withBias(false).withStrategy(s),
        c.inChannels());
    return new Conditional() {
      public Strategy strategy(Operand<TFloat32> x, Mode m) {
        return l.strategyFor(x, m);
      }

      public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> r, Mode m) {
        return l.apply(x, r, m);
      }

      public ExpertBank bank() {
        return l.experts();
      }
    };
  }
}

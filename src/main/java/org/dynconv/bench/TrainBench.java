package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dynconv.blocks.ConvType;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.Threads;
import org.dynconv.models.MobileNetV2;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.TrainGraph;
import org.dynconv.train.distributed.Replica;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The train suite: one training step (forward, backward, optimizer, BatchNorm updates) of each
 * conditional model against its static twin at batch 64, same data: the small CNNs, and
 * MobileNetV2 at widths 0.25 and 0.5 in every convolution type. The ratio of step times is the
 * inverse ratio of images per second; the multiply-add ratio stands beside it.
 */
public final class TrainBench {
  static final int BATCH = 64;
  static final List<String> MODELS = List.of("small-cnn-condconv", "small-cnn-dynamic",
      "small-cnn-dcd", "small-cnn-odconv");
  /** MobileNetV2 widths whose every convolution type is timed against the static twin. */
  static final double[] MOBILENET_WIDTHS = {0.25, 0.5};

  private TrainBench() {}

  public static List<BenchRow> run(Threads threads, int warmup, int reps, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    compare("small-cnn-static", MODELS, threads, warmup, reps, log, rows);
    for (double w : MOBILENET_WIDTHS) {
      List<String> family = new ArrayList<>();
      for (ConvType t : ConvType.values()) {
        if (t != ConvType.STATIC) {
          family.add(MobileNetV2.name(w, t));
        }
      }
      compare(MobileNetV2.name(w, ConvType.STATIC), family, threads, warmup, reps, log, rows);
    }
    return rows;
  }

  private static void compare(String baseline, List<String> models, Threads threads, int warmup,
      int reps, PrintStream log, List<BenchRow> rows) {
    try (Step base = new Step(baseline, threads)) {
      for (String model : models) {
        try (Step cond = new Step(model, threads)) {
          Interleaved.Ratio r = Interleaved.measure(base::run, List.of(cond::run), warmup, reps).get(0);
          rows.add(BenchRow.of("train", model + " vs " + baseline, BATCH,
              experts(model), "AUTO", "train", r,
              (double) cond.tg.model.macsPerImage() / base.tg.model.macsPerImage()));
          log.printf("  %-28s %6.1f img/s vs static %6.1f img/s: step %.2fx (%.2f-%.2f), MACs %.2fx%n",
              model, BATCH * 1000 / r.candidateMs(), BATCH * 1000 / r.baselineMs(), r.median(),
              r.min(), r.max(), rows.get(rows.size() - 1).macRatio());
        }
      }
    }
  }

  /**
   * Where a training step's time goes: TensorFlow's trace of {@code model}'s step and of its
   * static twin's, summed by op type over {@code runs} runs after warm-up, largest first.
   */
  public static void profile(String model, String baseline, Threads threads, int runs,
      PrintStream log) {
    try (Step base = new Step(baseline, threads); Step cond = new Step(model, threads)) {
      for (int i = 0; i < 5; i++) {
        base.run();
        cond.run();
      }
      var b = OpProfile.byOpType(base::runner, runs);
      var c = OpProfile.byOpType(cond::runner, runs);
      log.printf("  %s vs %s, training step B=%d: static %.1f ms, conditional %.1f ms (kernel"
          + " time summed by op type per run)%n", model, baseline, BATCH,
          OpProfile.total(b) / runs / 1e3, OpProfile.total(c) / runs / 1e3);
      log.print("   static:\n" + OpProfile.format(b, runs));
      log.print("   conditional:\n" + OpProfile.format(c, runs));
    }
  }

  /** The experts (or kernels) of a zoo model's layers: 4 for CondConv and DynamicConv, else 1. */
  static int experts(String model) {
    return model.endsWith("condconv") || model.endsWith("dynamic") ? 4 : 1;
  }

  /** A training graph with one fixed batch of random images, stepping on every run. */
  static final class Step implements AutoCloseable {
    private final Graph g = new Graph();
    private final Session s;
    final TrainGraph tg;
    final org.dynconv.models.ModelSpec spec;
    private final TFloat32 x;
    private final TInt32 y;
    private final TFloat32 lr = TFloat32.scalarOf(0.01f);
    private final TFloat32 temperature = TFloat32.scalarOf(1f);
    private final TInt64 seed = TInt64.vectorOf(1, 2);

    /** The train suite's step: {@code model} at batch {@link #BATCH}, in a local session. */
    Step(String model, Threads threads) {
      this(TrainConfig.builder().model(model).epochs(1).batchSize(BATCH).seed(1).optimizer("sgd")
          .learningRate(0.01).momentum(0.9).schedule("constant").warmupEpochs(0).weightDecay(5e-4)
          .temperature(30, 1, 0).build(), Replica.single(), threads, 3);
    }

    /**
     * @param replica the worker this step runs as (its session is on the worker's server when
     *     distributed)
     * @param dataSeed seeds the random batch
     */
    Step(TrainConfig cfg, Replica replica, Threads threads, long dataSeed) {
      spec = cfg.modelSpec();
      int b = cfg.batchSize();
      tg = TrainGraph.build(replica.trainingRoot(g, 1), spec, cfg, b, replica);
      s = replica.session(g, threads);
      s.initialize();
      SplittableRandom r = new SplittableRandom(dataSeed);
      float[] px = new float[b * spec.height() * spec.width() * spec.channels()];
      int[] labels = new int[b];
      for (int i = 0; i < px.length; i++) {
        px[i] = (float) (r.nextDouble() * 255);
      }
      for (int i = 0; i < b; i++) {
        labels[i] = r.nextInt(spec.numClasses());
      }
      x = Tensors.of(Shape.of(b, spec.height(), spec.width(), spec.channels()), px);
      y = TInt32.tensorOf(Shape.of(b), DataBuffers.of(labels, true, false));
    }

    void run() {
      runner().run().close();
    }

    /** A runner of one step: the batch, learning rate, seed and temperature fed. */
    Session.Runner runner() {
      Session.Runner runner = s.runner().feed(tg.model.images(), x).feed(tg.labels, y)
          .feed(tg.learningRate, lr).feed(tg.model.stepSeed(), seed).addTarget(tg.step);
      if (tg.model.temperature() != null) {
        runner.feed(tg.model.temperature(), temperature);
      }
      return runner;
    }

    Graph graph() {
      return g;
    }

    Session session() {
      return s;
    }

    @Override
    public void close() {
      x.close();
      y.close();
      lr.close();
      temperature.close();
      seed.close();
      s.close();
      g.close();
    }
  }
}

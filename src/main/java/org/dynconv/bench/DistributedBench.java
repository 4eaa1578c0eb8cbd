package org.dynconv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dynconv.graph.Threads;
import org.dynconv.io.AtomicFiles;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.distributed.Cluster;
import org.dynconv.train.distributed.Collectives;
import org.dynconv.train.distributed.Replica;
import org.dynconv.train.distributed.WorkerServer;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The distributed suite: one synchronous data-parallel training step in a local session, with one
 * worker on TensorFlow's gRPC runtime, and with 2 workers (each a gRPC server and a session in
 * this process, one TensorFlow thread each, so two workers use the two cores a single one leaves
 * idle), and the all-reduce of the step's gradient bytes alone. A gRPC step is split into that
 * all-reduce and the rest (compute and the runtime's own cost), and the bytes all-reduced per
 * step are 4 x the trainable parameters, whatever the batch.
 */
public final class DistributedBench {
  /** Models of the full suite: the small CNN pair and EfficientNet-B0 with its CondConv 8-expert twin. */
  public static final List<String> MODELS = List.of("small-cnn-static", "small-cnn-condconv",
      "efficientnet-b0", "efficientnet-condconv-b0-8e");
  /** EfficientNets run at this input size here: the all-reduce depends on parameters only. */
  static final int EFFICIENTNET_RESOLUTION = 32;

  /**
   * @param workers per-step workers
   * @param session "local" (a DirectSession, no collectives) or "grpc" (a session on the worker's
   *     gRPC server, gradients through CollectiveReduceV2, also for one worker)
   * @param stepMs median step time on worker 0
   * @param allReduceMs median time of the gradient-sized all-reduce alone (0 for one worker)
   * @param bytes gradient bytes all-reduced per step
   * @param imagesPerSecond global batch / step time
   */
  public record Row(String model, int workers, String session, int batchPerWorker, long parameters,
      double stepMs, double allReduceMs, long bytes, double imagesPerSecond) {
    double computeMs() {
      return stepMs - allReduceMs;
    }
  }

  private DistributedBench() {}

  public static List<Row> run(List<String> models, int batch, int warmup, int reps,
      PrintStream log) throws Exception {
    List<Row> rows = new ArrayList<>();
    log.printf("  %-28s %7s %7s %10s %10s %12s %10s %10s %9s%n", "model", "workers", "session",
        "params", "step ms", "all-reduce", "compute", "MB/step", "img/s");
    for (String m : models) {
      for (int n : new int[] {1, 1, 2}) {
        Row r = measure(m, n, rows.isEmpty() || !rows.get(rows.size() - 1).model().equals(m)
            ? "local" : "grpc", batch, warmup, reps);
        rows.add(r);
        log.printf(Locale.ROOT, "  %-28s %7d %7s %,10d %10.1f %12.1f %10.1f %10.1f %9.1f%n",
            r.model(), r.workers(), r.session(), r.parameters(), r.stepMs(), r.allReduceMs(),
            r.computeMs(), r.bytes() / 1e6, r.imagesPerSecond());
      }
    }
    return rows;
  }

  static Row measure(String model, int n, String session, int batch, int warmup, int reps)
      throws Exception {
    TrainConfig cfg = TrainConfig.builder().model(model).batchSize(batch).learningRate(0.01)
        .resolution(model.startsWith("efficientnet") ? EFFICIENTNET_RESOLUTION : 0).build();
    Threads one = new Threads(1, 1);
    if (session.equals("local")) {
      try (Worker w = new Worker(cfg, Replica.single(), one)) {
        double ms = w.time(warmup, reps, w::step);
        return new Row(model, 1, session, batch, w.parameters, ms, 0, 4 * w.parameters,
            batch * 1000 / ms);
      }
    }
    Cluster cluster = Cluster.loopback(n);
    for (int i = 0; i < n; i++) {
      WorkerServer.start(cluster.forTask(i), one);
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<double[]>> f = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Replica r = Replica.of(cluster.forTask(i), 120);
        f.add(pool.submit(() -> {
          try (Worker w = new Worker(cfg, r, one)) {
            return new double[] {w.time(warmup, reps, w::step), w.time(warmup, reps, w::allReduce),
                w.parameters};
          }
        }));
      }
      double[] chief = f.get(0).get();
      for (int i = 1; i < n; i++) {
        f.get(i).get();
      }
      long params = (long) chief[2];
      return new Row(model, n, session, batch, params, chief[0], chief[1], 4 * params,
          n * batch * 1000 / chief[0]);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Writes the rows as CSV. */
  public static void writeCsv(List<Row> rows, Path file) throws IOException {
    StringBuilder sb = new StringBuilder("model,workers,session,batch_per_worker,parameters,"
        + "step_ms,allreduce_ms,compute_ms,bytes_per_step,images_per_second\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%d,%.3f,%.3f,%.3f,%d,%.2f%n", r.model(),
          r.workers(), r.session(), r.batchPerWorker(), r.parameters(), r.stepMs(), r.allReduceMs(),
          r.computeMs(), r.bytes(), r.imagesPerSecond()));
    }
    AtomicFiles.writeString(file, sb.toString());
  }

  /** One worker's training step (the train suite's) and a gradient-sized all-reduce beside it. */
  private static final class Worker implements AutoCloseable {
    /** An instance key apart from the training graph's own. */
    private static final int ALONE_KEY = 900;

    private final TrainBench.Step step;
    private final Operand<TFloat32> reduced;
    final long parameters;

    Worker(TrainConfig cfg, Replica replica, Threads threads) {
      step = new TrainBench.Step(cfg, replica, threads, 3 + replica.task());
      parameters = step.tg.model.trainableVariables().stream().mapToLong(v -> v.shape().size())
          .sum();
      Ops tf = Ops.create(step.graph()).withSubScope("bench_allreduce");
      Operand<TFloat32> grads = tf.fill(tf.constant(new long[] {parameters}), tf.constant(1f));
      reduced = replica.distributed()
          ? Collectives.mean(tf, grads, replica.group(), ALONE_KEY) : grads;
    }

    void step() {
      step.run();
    }

    void allReduce() {
      step.session().runner().fetch(reduced).run().close();
    }

    /** Median milliseconds of {@code reps} runs after {@code warmup}. */
    double time(int warmup, int reps, Runnable r) {
      for (int i = 0; i < warmup; i++) {
        r.run();
      }
      double[] ms = new double[reps];
      for (int i = 0; i < reps; i++) {
        long t0 = System.nanoTime();
        r.run();
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      java.util.Arrays.sort(ms);
      return ms[reps / 2];
    }

    @Override
    public void close() {
      step.close();
    }
  }
}

package org.dynconv.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dynconv.checkpoint.CheckpointDiff;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.graph.Threads;
import org.dynconv.models.CustomModel;
import org.dynconv.models.ModelSpec;
import org.dynconv.testing.OwnModel;
import org.dynconv.train.CheckpointStore;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.dynconv.train.TrainingCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Server;

/**
 * N workers in this JVM (N gRPC servers on free loopback ports, one trainer thread each) against
 * one process training on the combined batch (20 steps with two workers): the chief's weights
 * and every step's loss agree within 1e-5, because the averaged gradient of equal slices is the
 * gradient of the whole batch (the model has no BatchNorm, whose moments are per worker). Only the
 * summation order differs; the momentum slots, sums of gradients, agree within 1e-4.
 */
class DataParallelTrainingTest {
  static final CustomModel SPEC = OwnModel.withoutBatchNorm("dp-net", 28, 1, 10);
  static final Dataset TRAIN = FashionMnist.embedded().train().head(160);
  static final Dataset TEST = FashionMnist.embedded().test().head(32);

  @TempDir
  Path dir;

  static final CustomModel WITH_BN = OwnModel.spec("dp-bn-net", 28, 1, 10);

  @Test
  void twoWorkersTrainAsOneProcessOnTheCombinedBatch() throws Exception {
    compare(SPEC, 2, 8, false, 1e-5);
  }

  @Test
  void threeWorkersTrainAsOneProcessOnTheCombinedBatch() throws Exception {
    compare(SPEC, 3, 8, false, 1e-5);
  }

  /**
   * With BatchNorm, cross-replica moments (and their gradient through the all-reduce) make two
   * workers equal one process on the combined batch; each worker's own moments do not.
   */
  @Test
  void syncBatchNormTrainsAsOneProcessOnTheCombinedBatch() throws Exception {
    double synced = compare(WITH_BN, 2, 8, true, 1e-5);
    double own = compare(WITH_BN, 2, 8, false, Double.POSITIVE_INFINITY);
    assertTrue(own > 100 * Math.max(synced, 1e-7), "per-worker moments differ by " + own
        + ", cross-replica ones by " + synced);
  }

  /**
   * Dropout masks follow each example's place in the global batch (BatchRows), so two workers
   * draw the masks one process draws for the same examples and train as it does.
   */
  @Test
  void dropoutTrainsAsOneProcessOnTheCombinedBatch() throws Exception {
    compare(OwnModel.withDropout("dp-dropout-net", 28, 1, 10), 2, 8, false, 1e-5);
  }

  /** Workers started with different settings stop before the first step, all of them. */
  /**
   * The default small CNN (five BatchNorm layers, dropout 0.2) with --sync-batchnorm: two workers
   * of 8 images take the steps one process takes on the 16, within 1e-5 in every weight, moving
   * statistic and loss, when the one process uses the same BatchNorm formula (--sync-batchnorm in
   * one process: composed ops instead of the fused op). Over more steps this model's training
   * amplifies float32 rounding: on 2026-12-05, one process with the fused op against one with the
   * composed ops, no workers at all, differed by 2.9e-5 after one step, 8.7e-3 after four and 1.1
   * after twenty, and two workers against one process by as much; so the comparison is of steps,
   * not of a whole run (distributed-training guide).
   */
  @Test
  void theDefaultSmallCnnWithDropoutAndSyncBatchNormStepsAsOneProcess() throws Exception {
    ModelSpec cnn = org.dynconv.models.ModelZoo.get("small-cnn-static");
    for (long steps = 1; steps <= 2; steps++) {
      System.out.printf("DataParallelTrainingTest: small CNN, --sync-batchnorm, two workers against"
          + " one process after %d steps: largest weight difference %.2e%n", steps,
          compare(cnn, 2, 8, true, 1e-5, steps));
    }
  }

  @Test
  void workersWithDifferentSettingsStopAtStart() throws Exception {
    Cluster cluster = Cluster.loopback(2);
    for (int i = 0; i < 2; i++) {
      WorkerServer.start(cluster.forTask(i), new Threads(1, 1));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Trainer.Result>> fs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        TrainConfig cfg = TrainConfig.builder().epochs(1).batchSize(8).seed(3)
            .learningRate(i == 0 ? 0.05 : 0.1).build();
        Trainer t = new Trainer(SPEC, cfg, TRAIN, TEST, listening(dir.resolve("mismatch"),
            new ArrayList<>()).withReplica(Replica.of(cluster.forTask(i), 60)));
        fs.add(pool.submit(t::run));
      }
      for (Future<Trainer.Result> f : fs) {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
            java.util.concurrent.ExecutionException.class, () -> f.get(120, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("the workers were started with different"
            + " settings"), e.getCause().getMessage());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A run of two workers stopped after 4 steps (64 images) resumes in one process with batch 8:
   * 8 steps of the epoch count as done, and the run ends at 2 epochs of 20 steps.
   */
  @Test
  void resumesWithAnotherNumberOfWorkers() throws Exception {
    Cluster cluster = Cluster.loopback(2);
    for (int i = 0; i < 2; i++) {
      WorkerServer.start(cluster.forTask(i), new Threads(1, 1));
    }
    Path run = dir.resolve("rescaled");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Trainer.Result>> fs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Trainer.Options o = Trainer.Options.builder(run).threads(new Threads(1, 1))
            .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(4)
            .replica(Replica.of(cluster.forTask(i), 60)).build();
        fs.add(pool.submit(new Trainer(SPEC, config(8), TRAIN, TEST, o)::run));
      }
      for (Future<Trainer.Result> f : fs) {
        assertEquals(4, f.get(120, TimeUnit.SECONDS).steps());
      }
    } finally {
      pool.shutdownNow();
    }
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Trainer.Result r = new Trainer(SPEC, config(8), TRAIN, TEST, Trainer.Options.builder(run)
        .resume(true).threads(new Threads(1, 1)).out(new PrintStream(log, true)).build()).run();
    assertTrue(log.toString().contains("resuming dp-net at epoch 1, step 8"), log.toString());
    assertEquals(40, r.steps());
  }

  /** Trains both ways and returns the largest weight difference (asserted <= tolerance). */
  private double compare(ModelSpec spec, int n, int perWorker, boolean syncBn, double tolerance)
      throws Exception {
    return compare(spec, n, perWorker, syncBn, tolerance, 0);
  }

  /**
   * As {@link #compare(ModelSpec, int, int, boolean, double)}, stopping at global step {@code
   * steps} (0: the whole run); with {@code syncBn} and {@code steps > 0}, the one process uses
   * --sync-batchnorm's composed formula too.
   */
  private double compare(ModelSpec spec, int n, int perWorker, boolean syncBn, double tolerance,
      long steps) throws Exception {
    Path dir = this.dir.resolve(spec.name() + "-" + n + "-" + syncBn + "-" + steps);
    List<Double> single = new ArrayList<>();
    TrainConfig one = config(perWorker * n);
    Trainer.Result ref = new Trainer(spec, one, TRAIN, TEST, listening(dir.resolve("single2"),
        single).toBuilder().stopAtStep(steps)
        .replica(Replica.single().withSyncBatchNorm(syncBn && steps > 0)).build()).run();

    Cluster cluster = Cluster.loopback(n);
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      servers.add(WorkerServer.start(cluster.forTask(i), new Threads(1, 1)));
    }
    Path run = dir.resolve("distributed");
    List<List<Double>> losses = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Trainer.Result>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<Double> l = new ArrayList<>();
        losses.add(l);
        Trainer.Options o = listening(run, l).toBuilder().stopAtStep(steps).build()
            .withReplica(Replica.of(cluster.forTask(i), 60).withSyncBatchNorm(syncBn));
        Trainer t = new Trainer(spec, config(perWorker), TRAIN, TEST, o);
        results.add(pool.submit(t::run));
      }
      List<Trainer.Result> rs = new ArrayList<>();
      for (Future<Trainer.Result> f : results) {
        rs.add(f.get(300, TimeUnit.SECONDS));
      }
      assertEquals(ref.steps(), rs.get(0).steps(), "global steps");
      for (int i = 0; i < n; i++) {
        // Every worker reports the global loss and the chief's validation accuracy.
        assertEquals(single.size(), losses.get(i).size());
        for (int k = 0; k < single.size() && tolerance < 1; k++) {
          assertEquals(single.get(k), losses.get(i).get(k), 1e-5, "worker " + i + " step " + k);
        }
        assertEquals(rs.get(0).testAccuracy(), rs.get(i).testAccuracy(), 0.0);
      }
      assertTrue(rs.get(1).checkpoint() == null, "only the chief checkpoints");
    } finally {
      pool.shutdownNow();
    }
    CheckpointStore.Checkpoint a = new CheckpointStore(dir.resolve("single2")).latest().get();
    CheckpointStore.Checkpoint b = new CheckpointStore(run).latest().get();
    CheckpointDiff.Result diff = CheckpointDiff.compare(TensorBundle.open(a.prefix()),
        TensorBundle.open(b.prefix()));
    assertTrue(diff.layoutDifferences().isEmpty(), diff.layoutDifferences().toString());
    double largest = 0;
    for (CheckpointDiff.Row r : diff.rows()) {
      boolean slot = r.key().endsWith("/Momentum");
      if (!slot) {
        largest = Math.max(largest, r.maxAbsDiff());
      }
      assertTrue(r.agrees(slot ? 10 * tolerance : tolerance), r.toString());
    }
    assertTrue(diff.rows().stream().anyMatch(r -> r.key().endsWith("/Momentum")), "slots compared");
    assertFalse(Files.exists(run.resolve(".eval")));
    return largest;
  }

  static TrainConfig config(int batch) {
    return TrainConfig.builder().epochs(2).batchSize(batch).seed(3).learningRate(0.05)
        .temperature(30, 1, 1).build();
  }

  static Trainer.Options listening(Path d, List<Double> losses) {
    return Trainer.Options.builder(d).threads(new Threads(1, 1))
        .out(new PrintStream(new ByteArrayOutputStream()))
        .callbacks(TrainingCallback.everyStep((step, loss, acc, lr, t) -> losses.add(loss))).build();
  }
}

package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.data.ImageSource;
import org.dynconv.graph.Threads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Training runs on a small slice of the embedded data: loss falls, resume is exact, NaN stops. */
class TrainerTest {
  static Dataset train;
  static Dataset test;

  @BeforeAll
  static void data() {
    FashionMnist.Split s = FashionMnist.embedded();
    train = s.train().head(640);
    test = s.test().head(200);
  }

  static TrainConfig config(String model, int epochs, double lr, int checkpointEvery, double ema) {
    return TrainConfig.builder().model(model).epochs(epochs).batchSize(32).seed(7).learningRate(lr)
        .warmupEpochs(0.2).weightDecay(5e-4).labelSmoothing(0.1).clipNorm(5.0).emaDecay(ema)
        .temperature(30, 1, 1).augment(true).checkpointEvery(checkpointEvery).build();
  }

  static Trainer.Options options(Path dir, boolean resume, long stopAt, List<double[]> losses) {
    return Trainer.Options.builder(dir).resume(resume)
        .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(stopAt)
        .callbacks(TrainingCallback.everyStep((step, loss, acc, lr, t) -> losses.add(
            new double[] {step, loss, t}))).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"small-cnn-static", "small-cnn-condconv", "small-cnn-dynamic"})
  void lossFallsForEveryConvVariant(String model, @TempDir Path dir) throws IOException {
    List<double[]> losses = new ArrayList<>();
    new Trainer(config(model, 2, 0.05, 0, 0), train, test, options(dir, false, 0, losses)).run();
    assertEquals(40, losses.size());
    double first = 0, last = 0;
    for (int i = 0; i < 5; i++) {
      first += losses.get(i)[1] / 5;
      last += losses.get(losses.size() - 1 - i)[1] / 5;
    }
    assertTrue(last < 0.75 * first, model + ": loss " + first + " -> " + last);
  }

  @Test
  void resumingAFinishedRunReportsItsLastValidationAccuracy(@TempDir Path dir) throws IOException {
    TrainConfig cfg = config("small-cnn-static", 1, 0.05, 0, 0);
    Trainer.Result done = new Trainer(cfg, train, test, options(dir, false, 0, new ArrayList<>()))
        .run();
    List<double[]> steps = new ArrayList<>();
    Trainer.Result again = new Trainer(cfg, train, test, options(dir, true, 0, steps)).run();
    assertEquals(0, steps.size(), "a finished run trains no further");
    assertTrue(done.testAccuracy() > 0, "the first run validated: " + done.testAccuracy());
    // log.csv keeps six decimals.
    assertEquals(done.testAccuracy(), again.testAccuracy(), 5e-7);
  }

  @Test
  void resumeContinuesExactly(@TempDir Path dir) throws IOException {
    // Dynamic model with EMA and clipping: temperature, slots, shadows and data order all resume.
    TrainConfig cfg = config("small-cnn-dynamic", 2, 0.05, 0, 0.99);
    List<double[]> straight = new ArrayList<>();
    Trainer.Result full = new Trainer(cfg, train, test, options(dir.resolve("a"), false, 0, straight)).run();
    List<double[]> first = new ArrayList<>();
    Trainer.Result part = new Trainer(cfg, train, test, options(dir.resolve("b"), false, 27, first)).run();
    assertEquals(27, part.steps());
    List<double[]> second = new ArrayList<>();
    Trainer.Result resumed = new Trainer(cfg, train, test, options(dir.resolve("b"), true, 0, second)).run();
    assertEquals(40, resumed.steps());
    assertEquals(13, second.size());
    for (int i = 0; i < 13; i++) {
      double[] a = straight.get(27 + i), b = second.get(i);
      assertEquals(a[0], b[0], "step");
      assertEquals(a[1], b[1], 0.0, "loss at step " + (long) a[0]);
      assertEquals(a[2], b[2], 0.0, "temperature at step " + (long) a[0]);
    }
    assertEquals(full.testAccuracy(), resumed.testAccuracy(), 0.0);
    byte[] wa = Files.readAllBytes(full.checkpoint().prefix().resolveSibling("model.data-00000-of-00001"));
    byte[] wb = Files.readAllBytes(resumed.checkpoint().prefix().resolveSibling("model.data-00000-of-00001"));
    assertTrue(java.util.Arrays.equals(wa, wb), "every variable, slot and shadow is bit-identical");
  }

  @Test
  void nanLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
    // A huge learning rate without clipping blows the loss up within a few steps.
    TrainConfig cfg = TrainConfig.builder().model("small-cnn-static").epochs(3).batchSize(32).seed(7)
        .learningRate(1e6).schedule("constant").warmupEpochs(0).weightDecay(0)
        .temperature(30, 1, 1).checkpointEvery(2).build();
    List<double[]> losses = new ArrayList<>();
    TrainingDiverged e = assertThrows(TrainingDiverged.class,
        () -> new Trainer(cfg, train, test, options(dir, false, 0, losses)).run());
    assertTrue(e.getMessage().matches("training stopped at epoch 1, step \\d+: (the loss is (NaN|"
        + "Infinity|-Infinity)|a weight or optimizer slot is NaN or infinite); the last good"
        + " checkpoint is .*"), e.getMessage());
    var latest = new CheckpointStore(dir).latest();
    if (latest.isPresent()) {
      assertTrue(e.getMessage().endsWith(latest.get().dir() + "."), e.getMessage());
      assertTrue(latest.get().state().step() <= losses.size(), "checkpoint precedes the NaN step");
      // The kept checkpoint is intact: it loads.
      try (var m = org.dynconv.infer.InferenceModel.create(
          org.dynconv.models.ModelZoo.get("small-cnn-static"), Threads.defaults())) {
        m.loadWeights(latest.get().prefix());
      }
    } else {
      assertTrue(e.getMessage().endsWith("none (nothing was saved yet)."), e.getMessage());
    }
  }

  @Test
  void divergedRunKeepsItsAttentionEntropyUpToTheNan(@TempDir Path dir) throws IOException {
    // 20 steps per epoch: the attention's entropy is sampled at every step.
    TrainConfig cfg = TrainConfig.builder().model("small-cnn-dynamic").epochs(3).batchSize(32)
        .seed(7).learningRate(1e6).schedule("constant").warmupEpochs(0).weightDecay(0)
        .temperature(30, 1, 1).build();
    List<double[]> losses = new ArrayList<>();
    TrainingDiverged e = assertThrows(TrainingDiverged.class,
        () -> new Trainer(cfg, train, test, options(dir, false, 0, losses)).run());
    long nanStep = Long.parseLong(e.getMessage().replaceAll(".*, step (\\d+):.*", "$1"));
    List<String> rows = Files.readAllLines(dir.resolve("routing_entropy.csv"));
    assertEquals("step,epoch,temperature,mean_entropy", rows.get(0));
    // A NaN loss stops at its own step (sampled too); a NaN weight found when saving stops after
    // the last step that ran: either way every step that ran has its row.
    long lastRow = Long.parseLong(rows.get(rows.size() - 1).split(",")[0]);
    assertTrue(lastRow == nanStep || lastRow == nanStep - 1, "last row " + lastRow + ", stopped at "
        + nanStep + ": " + rows);
    assertEquals(lastRow + 2, rows.size(), "a row for every step: " + rows);
    String[] first = rows.get(1).split(",");
    assertEquals(0, Long.parseLong(first[0]));
    // At T = 30 the softmax over K = 4 kernels is close to uniform: entropy near ln 4 = 1.386.
    double h0 = Double.parseDouble(first[3]);
    assertTrue(h0 > 1.3 && h0 <= Math.log(4) + 1e-6, "entropy at step 0: " + h0);
  }

  @Test
  void existingRunIsNotOverwrittenAndResumeNeedsARun(@TempDir Path dir) throws IOException {
    Path run = dir.resolve("run");
    var e = assertThrows(IllegalArgumentException.class, () -> Trainer.checkRunDir(run, true));
    assertEquals("Trainer: cannot resume: run directory '" + run + "' holds no training run;"
        + " expected a directory an earlier run wrote.", e.getMessage());
    assertTrue(!Files.exists(run), "nothing written");
    Path done = dir.resolve("done");
    new Trainer(config("small-cnn-static", 1, 0.05, 0, 0), train.head(64), test.head(32),
        options(done, false, 0, new ArrayList<>())).run();
    assertEquals(Trainer.RunDirState.CHECKPOINTED, Trainer.runDirState(done));
    e = assertThrows(IllegalArgumentException.class, () -> Trainer.checkRunDir(done, false));
    assertEquals("Trainer: run directory '" + done + "' already holds a training run with"
        + " checkpoints; expected Options.resume to continue it, or another run directory.",
        e.getMessage());
  }

  /** Fails on the first image it is asked for, as a corrupt file found while training would. */
  static ImageSource failingOnRead(ImageSource s) {
    return new ImageSource() {
      public String name() {
        return "failing";
      }

      public int size() {
        return s.size();
      }

      public int height() {
        return s.height();
      }

      public int width() {
        return s.width();
      }

      public int channels() {
        return s.channels();
      }

      public int numClasses() {
        return s.numClasses();
      }

      public int label(int index) {
        return s.label(index);
      }

      public void read(int index, float[] dst, int offset) {
        throw new IllegalStateException("corrupt image " + index);
      }
    };
  }

  @Test
  void aRunThatFailedBeforeItsFirstCheckpointStartsOverFreshOrResumed(@TempDir Path dir)
      throws IOException {
    TrainConfig cfg = config("small-cnn-static", 1, 0.05, 0, 0);
    ImageSource few = train.head(64);
    Path run = dir.resolve("run");
    assertThrows(IllegalStateException.class,
        () -> new Trainer(cfg, failingOnRead(few), test.head(32), options(run, false, 0,
            new ArrayList<>())).run());
    assertEquals(Trainer.RunDirState.STARTED, Trainer.runDirState(run));
    List<double[]> resumed = new ArrayList<>();
    new Trainer(cfg, few, test.head(32), options(run, true, 0, resumed)).run();
    assertEquals(2, resumed.size(), "the resume trained the whole run: 64 images in batches of 32");
    assertEquals(0L, (long) resumed.get(0)[0], "from step 0");

    Path again = dir.resolve("again");
    assertThrows(IllegalStateException.class,
        () -> new Trainer(cfg, failingOnRead(few), test.head(32), options(again, false, 0,
            new ArrayList<>())).run());
    List<double[]> fresh = new ArrayList<>();
    new Trainer(cfg, few, test.head(32), options(again, false, 0, fresh)).run();
    assertEquals(2, fresh.size(), "a new run in the same directory");
    for (int i = 0; i < 2; i++) {
      assertEquals(resumed.get(i)[1], fresh.get(i)[1], 0.0, "the same seeded run, step " + i);
    }
  }

}

package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.data.ArraySource;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.data.ImageSource;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.models.CustomModel;
import org.dynconv.testing.OwnModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model written with dynconv's public layers (not in the zoo) goes through the trainer like a zoo
 * model: trains, resumes bit-exactly, exports with the source's class names; callbacks see every
 * step, epoch and checkpoint; early stopping stops and stays stopped.
 */
class OwnModelTrainingTest {
  static ImageSource train;
  static ImageSource test;
  static final List<String> NAMES = List.of(FashionMnist.CLASSES);

  @BeforeAll
  static void data() {
    FashionMnist.Split s = FashionMnist.embedded();
    Dataset tr = s.train().head(384);
    Dataset te = s.test().head(96);
    // Arrays a program holds, with class names.
    train = ArraySource.ofBytes("own train", tr.pixels(), tr.labels(), 28, 28, 1, 10, NAMES);
    test = ArraySource.ofBytes("own test", te.pixels(), te.labels(), 28, 28, 1, 10, NAMES);
  }

  static TrainConfig config(int epochs) {
    return TrainConfig.builder().epochs(epochs).batchSize(32).seed(5).learningRate(0.05)
        .temperature(30, 1, 1).emaDecay(0.9).build();
  }

  static Trainer.Options quiet(Path dir) {
    return Trainer.Options.builder(dir).out(new PrintStream(new ByteArrayOutputStream())).build();
  }

  @Test
  void trainsResumesExactlyAndExportsWithItsClassNames(@TempDir Path dir) throws IOException {
    CustomModel spec = OwnModel.spec("own-net", 28, 1, 10);
    Trainer.Result full = new Trainer(spec, config(2), train, test, quiet(dir.resolve("a"))).run();
    assertEquals(24, full.steps());
    assertEquals("own-net", Trainer.readRunConfig(dir.resolve("a")).model());
    Trainer.Options part = Trainer.Options.builder(dir.resolve("b"))
        .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(17).build();
    assertEquals(17, new Trainer(spec, config(2), train, test, part).run().steps());
    Trainer.Result resumed = new Trainer(spec, config(2), train, test,
        quiet(dir.resolve("b")).resuming()).run();
    assertEquals(24, resumed.steps());
    assertArrayEquals(
        Files.readAllBytes(full.checkpoint().prefix().resolveSibling("model.data-00000-of-00001")),
        Files.readAllBytes(resumed.checkpoint().prefix().resolveSibling("model.data-00000-of-00001")),
        "every variable, slot and EMA shadow is bit-identical after the resume");
    assertEquals(full.testAccuracy(), resumed.testAccuracy(), 0.0);

    // A zoo lookup cannot find the model; the exporter takes its spec.
    RunDirectory run = RunDirectory.open(dir.resolve("a"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::modelSpec);
    assertTrue(e.getMessage().contains("'own-net', which is not in dynconv's zoo"), e.getMessage());
    Path export = RunExporter.export(run, spec, new SavedModelExporter.Target(dir.resolve("export"),
        false, 0), Threads.defaults());
    try (Predictor p = Predictor.load(export)) {
      assertEquals(NAMES, p.labels());
      assertEquals(full.testAccuracy(), p.accuracy(test, test.size()), 1e-12,
          "the export's accuracy is the run's last validation accuracy");
      assertEquals(2, p.attentions(test.floatPixels(0, 1), 1).size(),
          "the routing signature holds the CondConv routing and the DynamicConv attention");
    }

    // analyze reads the export and the run as it does a zoo model's.
    Path out = dir.resolve("analysis");
    assertEquals(0, new picocli.CommandLine(new org.dynconv.cli.Main()).execute("analyze",
        "--model", export.toString(), "--run", dir.resolve("a").toString(), "--out",
        out.toString()));
    List<String> rows = Files.readAllLines(out.resolve("routing.csv"));
    assertTrue(rows.stream().anyMatch(r -> r.contains("own-net/cond"))
        && rows.stream().anyMatch(r -> r.contains("own-net/dyn")), String.join("\n", rows));
    assertTrue(Files.size(out.resolve("training_curves.png")) > 0);
  }

  @Test
  void callbacksSeeEveryStepEpochAndCheckpoint(@TempDir Path dir) throws IOException {
    List<Long> steps = new ArrayList<>();
    List<TrainingCallback.EpochSummary> epochs = new ArrayList<>();
    List<Path> checkpoints = new ArrayList<>();
    TrainingCallback cb = new TrainingCallback() {
      @Override
      public void onStep(long step, double loss, double accuracy, double lr, double t) {
        steps.add(step);
      }

      @Override
      public void onEpochEnd(EpochSummary e) {
        epochs.add(e);
      }

      @Override
      public void onCheckpoint(CheckpointStore.Checkpoint c) {
        assertTrue(Files.isDirectory(c.dir()), "a checkpoint is on disk when announced");
        checkpoints.add(c.dir());
      }
    };
    TrainConfig cfg = config(2).toBuilder().checkpointEvery(5).build();
    new Trainer(OwnModel.spec("own-net", 28, 1, 10), cfg, train, test,
        quiet(dir).withCallbacks(cb)).run();
    assertEquals(24, steps.size());
    assertEquals(0L, steps.get(0));
    assertEquals(23L, steps.get(23));
    assertEquals(2, epochs.size());
    List<String> log = Files.readAllLines(dir.resolve("log.csv"));
    for (int i = 0; i < 2; i++) {
      // log.csv: epoch, step, loss, accuracy, test accuracy, ...
      String[] f = log.get(i + 1).split(",");
      assertEquals(i + 1, epochs.get(i).epoch());
      assertEquals(Double.parseDouble(f[4]), epochs.get(i).validationAccuracy(), 1e-6);
    }
    // Every 5 steps inside an epoch (5, 10; 15, 20) and at both epoch ends.
    assertEquals(6, checkpoints.size());
  }

  @Test
  void earlyStoppingStopsAfterPatienceAndStaysStopped(@TempDir Path dir) throws IOException {
    // One validation image and a learning rate too small to change its prediction: the accuracy
    // never improves after the first epoch, so patience 2 stops after epoch 3 of 10.
    ImageSource one = test.head(1);
    TrainConfig cfg = config(10).toBuilder().learningRate(1e-9).emaDecay(0)
        .earlyStoppingPatience(2).build();
    CustomModel spec = OwnModel.spec("own-net", 28, 1, 10);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Trainer.Result r = new Trainer(spec, cfg, train, one, Trainer.Options.builder(dir)
        .out(new PrintStream(out)).build()).run();
    assertTrue(r.stoppedEarly());
    assertEquals(36, r.steps(), "three epochs of 12 steps");
    assertEquals(4, Files.readAllLines(dir.resolve("log.csv")).size(), "header and three epochs");
    assertTrue(out.toString().contains("early stopping after epoch 3: the validation accuracy has"
        + " not improved for 2 epochs"), out.toString());
    Trainer.Result again = new Trainer(spec, cfg, train, one, quiet(dir).resuming()).run();
    assertEquals(36, again.steps(), "a run stopped early is finished");
    assertFalse(again.stoppedEarly());
  }

  @Test
  void resumingWithAnotherModelIsRefused(@TempDir Path dir) throws IOException {
    TrainConfig cfg = config(1);
    Trainer.Options part = Trainer.Options.builder(dir)
        .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(3).build();
    new Trainer(OwnModel.spec("own-net", 28, 1, 10), cfg, train, test, part).run();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(OwnModel.spec("other-net", 28, 1, 10), cfg, train, test,
            quiet(dir).resuming()).run());
    assertEquals("Trainer: cannot resume run '" + dir + "': it trained model 'own-net'; expected"
        + " the same model, got 'other-net'.", e.getMessage());
  }

  @Test
  void aLabelOutsideTheModelsClassesIsRefused() {
    Dataset tr = FashionMnist.embedded().train().head(40);
    ArraySource twelve = ArraySource.ofBytes("twelve", tr.pixels(), tr.labels(), 28, 28, 1, 12,
        List.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(OwnModel.spec("own-net", 28, 1, 10), config(1), twelve, twelve,
            quiet(Path.of("unused"))));
    assertEquals("Trainer: dataset 'twelve' has 12 classes but model 'own-net' outputs 10; expected"
        + " a model with at least as many outputs (a zoo model takes --num-classes where it"
        + " supports a new head).", e.getMessage());
    int[] labels = tr.labels().clone();
    labels[3] = 10;
    org.dynconv.data.DataFormatError d = assertThrows(org.dynconv.data.DataFormatError.class,
        () -> ArraySource.ofBytes("bad", tr.pixels(), labels, 28, 28, 1, 10, List.of()));
    assertEquals("ArraySource 'bad': label 3 is 10; expected 0..9.", d.getMessage());
  }

  @Test
  void aModelWithDcdAndOdConvLayersTrainsResumesAndExportsItsAttentions(@TempDir Path dir)
      throws IOException {
    CustomModel spec = OwnModel.successors("own-successors", 28, 1, 10);
    Trainer.Result full = new Trainer(spec, config(1), train, test, quiet(dir.resolve("a"))).run();
    Trainer.Options part = Trainer.Options.builder(dir.resolve("b"))
        .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(5).build();
    new Trainer(spec, config(1), train, test, part).run();
    Trainer.Result resumed = new Trainer(spec, config(1), train, test,
        quiet(dir.resolve("b")).resuming()).run();
    assertArrayEquals(
        Files.readAllBytes(full.checkpoint().prefix().resolveSibling("model.data-00000-of-00001")),
        Files.readAllBytes(resumed.checkpoint().prefix().resolveSibling("model.data-00000-of-00001")),
        "DCD's and ODConv's variables, BatchNorm statistics and slots resume bit-exactly");
    Path export = RunExporter.export(RunDirectory.open(dir.resolve("a")), spec,
        new SavedModelExporter.Target(dir.resolve("export"), false, 0), Threads.defaults());
    try (Predictor p = Predictor.load(export)) {
      assertEquals(full.testAccuracy(), p.accuracy(test, test.size()), 1e-12);
      java.util.Set<String> keys = p.attentions(test.floatPixels(0, 1), 1).keySet();
      assertTrue(keys.stream().anyMatch(k -> k.contains("own-successors/dcd/"))
          && keys.stream().anyMatch(k -> k.contains("own-successors/od/")), keys.toString());
    }
  }
}

package org.dynconv.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.graph.Threads;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study's bookkeeping: rows round-trip through results.csv, a partial last line left by a kill
 * is dropped, finished cells are skipped on a second run, an interrupted cell resumes from its
 * checkpoint, and the validation hold-out is class-balanced and disjoint from training.
 */
class StudyTest {
  static StudyConfig tiny(Path out, List<String> convs) {
    return new StudyConfig(null, out, List.of(0.25), convs, List.of(1L), List.of(0.05), 1, 32,
        4e-5, 0.5, 100, true, 0, 128);
  }

  @Test
  void rowsRoundTripAndAPartialLastLineIsDropped(@TempDir Path dir) throws IOException {
    StudyRow row = new StudyRow("mobilenetv2-0.25-dcd", "dcd", 0.25, 0, 2, 0.1, 4e-5, 85146,
        2308784, 0.81234, 0.80125, 6, 123.4, 1.5, 1.25, 0.5, 4.25, Double.NaN, "abc1234");
    StudyCsv csv = new StudyCsv(dir.resolve("results.csv"));
    csv.append(row);
    Files.writeString(dir.resolve("results.csv"), "mobilenetv2-0.25-static,sta",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    assertEquals(List.of(row.csv()), csv.read().stream().map(StudyRow::csv).toList());
    csv.append(row);
    assertEquals(2, csv.read().size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StudyRow.parse("a,b", "x line 2"));
    assertEquals("StudyRow: x line 2 has 2 fields; expected 19 (" + StudyRow.HEADER + ").",
        e.getMessage());
  }

  static StudyRow row(String conv, double width, long seed, double test, double msB32) {
    return new StudyRow("mobilenetv2-" + width + "-" + conv, conv, width, 4, seed, 0.02, 4e-5, 1000,
        2000, Double.isNaN(test) ? Double.NaN : test - 0.01, test, 2, Double.isNaN(test)
            ? Double.NaN : 100, 1, 1, 1, msB32, Double.NaN, "abc1234");
  }

  /**
   * A diverged cell (no accuracy) is counted, not averaged: its member's statistics are over the
   * seeds that trained, and a member no seed of which trained is never the best dynamic one.
   */
  @Test
  void divergedCellsAreCountedNotAveraged() {
    List<StudyRow> rows = List.of(row("static", 0.25, 1, 0.80, 5), row("static", 0.25, 2, 0.82, 5),
        row("static", 1.0, 1, 0.90, 12), row("static", 1.0, 2, 0.92, 12),
        row("odconv4", 0.25, 1, 0.85, 10), row("odconv4", 0.25, 2, Double.NaN, 10),
        row("dcd", 0.25, 1, Double.NaN, 8), row("dcd", 0.25, 2, Double.NaN, 8));
    assertTrue(rows.get(5).diverged() && !rows.get(4).diverged());
    List<StudyReport.Member> members = StudyReport.members(rows);
    StudyReport.Member od = members.stream().filter(m -> m.conv().equals("odconv4")).findFirst()
        .orElseThrow();
    assertEquals(85.0, od.mean(r -> 100 * r.testAccuracy()), 1e-9);
    assertEquals(1, od.diverged());
    String md = StudyReport.markdown(members, true);
    assertTrue(md.contains("85.00 ± NaN (1, 1 diverged)"), md);
    assertTrue(md.contains("NaN ± NaN (0, 2 diverged)"), md);
    // Timings were measured before training: a member none of whose seeds trained still has them.
    assertTrue(md.contains("NaN ± NaN (0, 2 diverged) | NaN | 1.00x | 1.00x | 8.00 |"), md);
    // Best dynamic member at 0.25: odconv4 (85.00) at 10 ms; the cheapest static member at least
    // that slow is width 1.0 (91.00): -6.00, spread max(0, 2) = 2.
    assertTrue(md.contains("| 0.25 | odconv4 (85.00) | 10.00 | static width 1.0 (91.00) | 12.00 |"
        + " -6.00 | 2.00 | no |"), md);
  }

  /** The report is written when a diverged cell's run left a log without any epoch line. */
  @Test
  void theReportSkipsADivergedCellsRun(@TempDir Path dir) throws IOException {
    StudyRow diverged = row("odconv4", 0.25, 2, Double.NaN, 10);
    Path run = dir.resolve("runs").resolve(diverged.cell().dirName());
    Files.createDirectories(run);
    Files.writeString(run.resolve("log.csv"), "epoch,step,train_loss\n");
    List<Path> files = StudyReport.write(List.of(row("static", 0.25, 1, 0.80, 5),
        row("odconv4", 0.25, 1, 0.85, 10), diverged), dir);
    assertTrue(files.contains(dir.resolve("study.md")), files.toString());
    assertTrue(Files.readString(dir.resolve("study.md")).contains("(1, 1 diverged)"));
  }

  /**
   * A diverged run's per-step entropy (kept up to its NaN step) is drawn; without that file the
   * curve comes from log.csv's epoch lines, and a run with neither has none.
   */
  @Test
  void entropyCurvesComeFromStepsWhenKeptElseFromEpochs(@TempDir Path dir) throws IOException {
    Path steps = dir.resolve("steps");
    Files.createDirectories(steps);
    Files.writeString(steps.resolve("routing_entropy.csv"), "step,epoch,temperature,mean_entropy\n"
        + "0,0.0000,30.0000,1.380000\n42,0.0500,27.0000,1.250000\n84,0.1000,24.0000,NaN\n");
    List<double[]> s = StudyReport.entropyCurve(steps);
    assertEquals(2, s.size());
    assertEquals(0.05, s.get(1)[0], 1e-12);
    assertEquals(1.25, s.get(1)[1], 1e-12);
    Path epochs = dir.resolve("epochs");
    Files.createDirectories(epochs);
    Files.writeString(epochs.resolve("log.csv"), "epoch,step,test_accuracy,seconds,entropy:a,"
        + "entropy:b\n1,10,0.5,3,1.0,0.5\n2,20,0.6,3,0.8,0.4\n");
    List<double[]> e = StudyReport.entropyCurve(epochs);
    assertEquals(2, e.size());
    assertEquals(2.0, e.get(1)[0], 1e-12);
    assertEquals(0.6, e.get(1)[1], 1e-12);
    assertTrue(StudyReport.entropyCurve(dir.resolve("none")).isEmpty());

    StudyRow diverged = row("odconv4", 0.25, 2, Double.NaN, 10);
    Path run = dir.resolve("runs").resolve(diverged.cell().dirName());
    Files.createDirectories(run);
    Files.copy(steps.resolve("routing_entropy.csv"), run.resolve("routing_entropy.csv"));
    List<Path> files = StudyReport.write(List.of(row("static", 0.25, 1, 0.80, 5), diverged), dir);
    assertTrue(files.contains(dir.resolve("attention_entropy.png")), files.toString());
  }

  @Test
  void holdOutIsBalancedDisjointAndSeeded() {
    Dataset train = FashionMnist.embedded().train();
    Dataset.Holdout a = train.holdOut(1000, 7), b = train.holdOut(1000, 7);
    assertEquals(1000, a.validation().size());
    assertEquals(train.size() - 1000, a.train().size());
    int[] perClass = new int[10];
    for (int l : a.validation().labels()) {
      perClass[l]++;
    }
    for (int c : perClass) {
      assertEquals(100, c);
    }
    assertTrue(java.util.Arrays.equals(a.validation().pixels(), b.validation().pixels()));
  }

  @Test
  void secondRunSkipsFinishedCellsAndAnInterruptedCellResumes(@TempDir Path dir)
      throws IOException {
    StudyConfig cfg = tiny(dir, List.of("static", "dcd"));
    // Interrupt the second cell part-way, as a kill would leave it.
    StudyCell od = cfg.cells().get(1);
    Dataset.Holdout split = FashionMnist.embedded().train().holdOut(cfg.validation(),
        Study.HOLDOUT_SEED);
    TrainConfig tc = TrainConfig.builder().model(od.model()).experts(od.experts()).epochs(1)
        .batchSize(32).seed(od.seed()).warmupEpochs(0.25).weightDecay(4e-5).temperature(30, 1, 0.5)
        .trainLimit(128).build();
    Path runDir = dir.resolve("runs").resolve(od.dirName());
    new Trainer(tc, split.train(), split.validation(), Trainer.Options.builder(runDir)
        .out(new PrintStream(new ByteArrayOutputStream())).stopAtStep(2).build()).run();

    ByteArrayOutputStream first = new ByteArrayOutputStream();
    List<StudyRow> rows = Study.run(cfg, "test", Threads.defaults(), new PrintStream(first, true,
        StandardCharsets.UTF_8));
    String log = first.toString(StandardCharsets.UTF_8);
    assertEquals(2, rows.size(), log);
    assertTrue(log.contains("2 cells (0 done, 2 to run)"), log);
    assertTrue(log.contains("resuming mobilenetv2-0.25-dcd at epoch 1, step 2"), log);
    // The per-epoch lines name the validation split, the set the study validates on.
    assertTrue(log.contains("| val acc "), log);
    assertFalse(log.contains("test acc"), log);
    assertTrue(rows.stream().allMatch(r -> r.testAccuracy() >= 0 && r.testAccuracy() <= 1
        && r.valAccuracy() >= 0 && r.valAccuracy() <= 1 && r.parameters() > 0), log);
    assertTrue(Files.exists(dir.resolve("accuracy_vs_macs.png")));
    assertTrue(Files.readString(dir.resolve("study.md")).contains("| 0.25 | dcd |"));

    ByteArrayOutputStream second = new ByteArrayOutputStream();
    List<StudyRow> again = Study.run(cfg, "test", Threads.defaults(), new PrintStream(second, true,
        StandardCharsets.UTF_8));
    assertTrue(second.toString(StandardCharsets.UTF_8).contains("2 cells (2 done, 0 to run)"));
    assertEquals(rows.stream().map(StudyRow::csv).toList(),
        again.stream().map(StudyRow::csv).toList());
  }
}

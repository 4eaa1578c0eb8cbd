package org.dynconv.study;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.train.CheckpointStore;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.dynconv.train.TrainingDiverged;

/**
 * Runs a study grid: every cell of {@link StudyConfig#cells()} not yet in {@code results.csv}
 * is trained on the training set minus a fixed validation hold-out (the same for every cell),
 * validated every epoch, exported, evaluated once on the test set, timed against the static
 * member of its width, and appended to {@code results.csv}. A cell interrupted part-way resumes
 * from its run directory's last checkpoint. Progress for the whole grid (cells done, ETA) and per
 * epoch goes to the log.
 *
 * <p>Layout of the output directory: {@code results.csv}, {@code timing.csv}, {@code runs/<cell>/}
 * (run.properties and log.csv kept; checkpoints and exports removed once a cell is recorded), and
 * the report ({@link StudyReport}).
 */
public final class Study {
  /** The validation hold-out's seed: every cell and every study validates on the same images. */
  static final long HOLDOUT_SEED = 20261201;

  private Study() {}

  /** Runs the missing cells, then writes the report; returns every row of the study. */
  public static List<StudyRow> run(StudyConfig cfg, String commit, Threads threads, PrintStream log)
      throws IOException {
    FashionMnist.Split data = cfg.data() == null ? FashionMnist.embedded()
        : FashionMnist.fromDirectory(cfg.data());
    Dataset.Holdout split = data.train().holdOut(cfg.validation(), HOLDOUT_SEED);
    StudyCsv csv = new StudyCsv(cfg.out().resolve("results.csv"));
    List<StudyRow> rows = new ArrayList<>(csv.read());
    Set<String> done = new HashSet<>();
    rows.forEach(r -> done.add(r.cell().key()));
    List<StudyCell> cells = cfg.cells();
    List<StudyCell> todo = cells.stream().filter(c -> !done.contains(c.key())).toList();
    log.printf(Locale.ROOT, "study: %d cells (%d done, %d to run) in %s; training on %d images,"
        + " validating on %d held out, %s%n", cells.size(), cells.size() - todo.size(), todo.size(),
        cfg.out(), split.train().size(), split.validation().size(),
        cfg.evaluateTest() ? "testing each cell once on " + data.test().size() + " images"
            : "no test evaluation (tuning)");
    TimingCache timing = new TimingCache(cfg.out().resolve("timing.csv"));
    // Time every member first, before training, so that the timings of a study all come from one
    // stretch of the machine's time (run the study on an otherwise idle machine).
    java.util.Set<String> timed = new java.util.HashSet<>();
    for (StudyCell cell : todo) {
      if (timed.add(cell.memberKey())) {
        timing.get(cell, cfg.timingReps(), threads, log);
      }
    }
    long started = System.nanoTime();
    for (int i = 0; i < todo.size(); i++) {
      StudyCell cell = todo.get(i);
      int number = cells.size() - todo.size() + i + 1;
      String label = String.format(Locale.ROOT, "[%d/%d] %s %s seed %d lr %s", number,
          cells.size(), cell.model(), cell.conv(), cell.seed(), cell.lr());
      log.println(label + ": training");
      StudyRow row = runCell(cfg, cell, split, data.test(), commit, timing, threads, log, label);
      csv.append(row);
      rows.add(row);
      double perCell = (System.nanoTime() - started) / 1e9 / (i + 1);
      log.printf(Locale.ROOT, "%s: validation %s, test %s, %.0f s training, %.2fx/%.2fx static at"
          + " B=1/32 | grid %d/%d done, ETA %s%n", label, row.diverged() ? "none (diverged)"
              : String.format(Locale.ROOT, "%.4f", row.valAccuracy()),
          Double.isNaN(row.testAccuracy()) ? "not evaluated" : String.format(Locale.ROOT, "%.4f",
              row.testAccuracy()), row.trainSeconds(), row.ratioB1(), row.ratioB32(), number,
          cells.size(), clock(perCell * (todo.size() - i - 1)));
    }
    List<java.nio.file.Path> files = StudyReport.write(rows, cfg.out());
    files.forEach(f -> log.println("wrote " + f));
    return rows;
  }

  private static StudyRow runCell(StudyConfig cfg, StudyCell cell, Dataset.Holdout split,
      Dataset test, String commit, TimingCache timing, Threads threads, PrintStream log,
      String label) throws IOException {
    Path runDir = cfg.out().resolve("runs").resolve(cell.dirName());
    boolean resume = Files.exists(runDir.resolve("run.properties"))
        && new CheckpointStore(runDir).latest().isPresent();
    TrainConfig tc = TrainConfig.builder().model(cell.model()).experts(cell.experts())
        .epochs(cfg.epochs()).batchSize(cfg.batchSize()).seed(cell.seed()).optimizer("sgd")
        .learningRate(cell.learningRate()).momentum(0.9).schedule("cosine")
        .warmupEpochs(Math.min(0.5, cfg.epochs() / 4.0)).weightDecay(cfg.weightDecay())
        .temperature(30, 1, cfg.temperatureEpochs()).trainLimit(cfg.trainLimit()).build();
    if (!resume && Files.exists(runDir)) {
      AtomicFiles.deleteTree(runDir);
    }
    PrintStream epochs = new PrintStream(new EpochLines(log, "  " + label + " "), true,
        StandardCharsets.UTF_8);
    var spec = cell.spec();
    long[] size = sizes(spec);
    try {
      new Trainer(tc, split.train(), split.validation(), Trainer.Options.builder(runDir)
          .resume(resume).threads(threads).out(epochs).evaluationName("val").build()).run();
    } catch (TrainingDiverged e) {
      // A diverged cell is a result: it is recorded without accuracies (the report counts it)
      // and the grid goes on.
      log.println(label + ": diverged: " + e.getMessage());
      double[] ratios = timing.get(cell, cfg.timingReps(), threads, log);
      AtomicFiles.deleteTree(runDir.resolve("checkpoints"));
      return new StudyRow(cell.model(), cell.conv(), cell.width(), cell.experts(), cell.seed(),
          cell.learningRate(), cfg.weightDecay(), size[0], size[1], Double.NaN, Double.NaN,
          cfg.epochs(), Double.NaN, ratios[0], ratios[1], ratios[2], ratios[3], Double.NaN, commit);
    }
    RunLog runLog = RunLog.read(runDir.resolve("log.csv"));
    double testAcc = Double.NaN;
    Path export = runDir.resolve("export");
    if (cfg.evaluateTest()) {
      AtomicFiles.deleteTree(export);
      RunExporter.export(RunDirectory.open(runDir), new SavedModelExporter.Target(export, true, 0),
          threads);
      try (Predictor p = Predictor.load(export, threads)) {
        testAcc = p.accuracy(test, 250);
      }
      AtomicFiles.deleteTree(export);
    }
    double[] ratios = timing.get(cell, cfg.timingReps(), threads, log);
    AtomicFiles.deleteTree(runDir.resolve("checkpoints"));
    return new StudyRow(cell.model(), cell.conv(), cell.width(), cell.experts(), cell.seed(),
        cell.learningRate(), cfg.weightDecay(), size[0], size[1], runLog.lastValidation(), testAcc,
        cfg.epochs(), runLog.totalSeconds(), ratios[0], ratios[1], ratios[2], ratios[3],
        runLog.lastEntropy(), commit);
  }

  /** {trainable parameters, multiply-adds per image}. */
  static long[] sizes(org.dynconv.models.ModelSpec spec) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      var m = spec.build(org.dynconv.graph.LayerScope.root(g, 0), org.dynconv.graph.Mode.INFER);
      return new long[] {m.parameterCount(), m.macsPerImage()};
    }
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }

  /** Passes the trainer's epoch summaries through with a prefix and drops its progress lines. */
  private static final class EpochLines extends OutputStream {
    private final PrintStream out;
    private final String prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    EpochLines(PrintStream out, String prefix) {
      this.out = out;
      this.prefix = prefix;
    }

    @Override
    public void write(int b) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (s.startsWith("epoch ") && s.contains(": train loss") || s.startsWith("resuming ")) {
          out.println(prefix + s);
        }
      } else {
        line.write(b);
      }
    }
  }
}

package org.dynconv.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.dynconv.study.Study;
import org.dynconv.study.StudyConfig;
import org.dynconv.study.StudyCsv;
import org.dynconv.study.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "study", description = "Train a grid of the MobileNetV2 family (widths x conv types"
    + " x seeds) on Fashion-MNIST with a validation hold-out, test each cell once, time it against"
    + " the static member of its width, and draw accuracy against cost. Resumable: finished cells"
    + " are kept in results.csv and skipped; an interrupted cell resumes from its checkpoint.")
final class StudyCommand implements Callable<Integer> {
  @Option(names = "--data", description = "Directory of the four Fashion-MNIST IDX files (default:"
      + " the embedded subset).")
  Path data;

  @Option(names = "--out", defaultValue = "study", description = "Output directory (default study).")
  Path out;

  @Option(names = "--widths", split = ",", description = "Width multipliers (default 0.25,0.5,1.0).")
  List<Double> widths;

  @Option(names = "--convs", split = ",", description = "Conv types: static, condconv, dynamic,"
      + " dcd, odconv (n = 1), odconv4 (default all six).")
  List<String> convs;

  @Option(names = "--seeds", defaultValue = "3", description = "Seeds 1..N per cell (default 3).")
  int seeds;

  @Option(names = "--lr", split = ",", description = "Peak learning rates; several for tuning on the"
      + " validation split (default 0.1).")
  List<Double> lrs;

  @Option(names = "--epochs", defaultValue = "6", description = "Epochs per cell (default 6).")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default 64).")
  int batchSize;

  @Option(names = "--weight-decay", defaultValue = "4e-5",
      description = "L2 (default 4e-5, the official MobileNetV2 recipes').")
  double weightDecay;

  @Option(names = "--temperature-epochs", defaultValue = "1",
      description = "DynamicConv and ODConv anneal 30 -> 1 over this many epochs (default 1).")
  double temperatureEpochs;

  @Option(names = "--validation",
      description = "Images held out of the training set for validation (default 5000; 1000 with"
          + " the embedded subset).")
  Integer validation;

  @Option(names = "--train-limit", defaultValue = "0", description = "Train on the first N images"
      + " of the training part only (tuning runs); 0 = all (default).")
  int trainLimit;

  @Option(names = "--no-test", description = "Do not evaluate on the test set (tuning runs).")
  boolean noTest;

  @Option(names = "--timing-reps", defaultValue = "10",
      description = "Timed repetitions per inference-time ratio; 0 skips timing (default 10).")
  int timingReps;

  @Option(names = "--quick", description = "A small grid on the embedded subset in about ten"
      + " minutes: widths 0.25 and 0.5, every conv type, one seed, two epochs.")
  boolean quick;

  @Option(names = "--report-only", description = "Redraw the report from results.csv; no training.")
  boolean reportOnly;

  @Option(names = "--commit", description = "The code's commit for results.csv (default: git"
      + " rev-parse in the working directory).")
  String commit;

  @Mixin ThreadOptions threads;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new CliErrors.UsageError("--out=" + out + " is a file; expected a directory for"
          + " results.csv, timing.csv, runs/ and the pictures.");
    }
    if (reportOnly) {
      Path csv = out.resolve("results.csv");
      if (!Files.isRegularFile(csv)) {
        throw new IllegalStateException("--report-only: '" + csv + "' does not exist; expected a"
            + " study directory (run study --out " + out + " first).");
      }
      var rows = new StudyCsv(csv).read();
      if (rows.isEmpty()) {
        throw new IllegalStateException("--report-only: '" + csv + "' holds no results; expected"
            + " at least one finished cell.");
      }
      for (Path f : StudyReport.write(rows, out)) {
        System.out.println("wrote " + f);
      }
      return 0;
    }
    StudyConfig cfg;
    try {
      cfg = config();
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    Study.run(cfg, commit != null ? commit : gitCommit(), threads.value(), System.out);
    return 0;
  }

  private StudyConfig config() {
    if (quick) {
      return new StudyConfig(null, out, widths != null ? widths : List.of(0.25, 0.5),
          convs != null ? convs : List.of(org.dynconv.study.StudyCell.CONVS), List.of(1L),
          lrs != null ? lrs : List.of(0.1), 2, batchSize, weightDecay, 0.5, 1000, !noTest, 3, 0);
    }
    List<Long> s = new ArrayList<>();
    for (long i = 1; i <= seeds; i++) {
      s.add(i);
    }
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds=" + seeds + " is invalid; expected >= 1.");
    }
    return new StudyConfig(data, out, widths != null ? widths : List.of(0.25, 0.5, 1.0),
        convs != null ? convs : Arrays.asList(org.dynconv.study.StudyCell.CONVS), s,
        lrs != null ? lrs : List.of(0.1), epochs, batchSize, weightDecay, temperatureEpochs,
        validationImages(), !noTest, timingReps, trainLimit);
  }

  /**
   * --validation, or its default: 5000 of the full data, 1000 of the embedded subset. An explicit
   * value must leave the embedded subset images to train on (the full data's size is checked when
   * it is read).
   */
  private int validationImages() {
    if (validation == null) {
      return data == null ? 1000 : 5000;
    }
    if (data == null) {
      int size = org.dynconv.data.FashionMnist.embedded().train().size();
      if (validation >= size) {
        throw new IllegalArgumentException("--validation=" + validation + " is invalid for the"
            + " embedded subset of " + size + " training images; expected 10 to " + (size - 1)
            + ", or --data with the full Fashion-MNIST.");
      }
    }
    return validation;
  }

  /** {@code git rev-parse --short HEAD}, with "+dirty" for uncommitted changes; "unknown" without git. */
  static String gitCommit() {
    try {
      String head = run("git", "rev-parse", "--short", "HEAD");
      String status = run("git", "status", "--porcelain", "--untracked-files=no");
      return head.isEmpty() ? "unknown" : head + (status.isEmpty() ? "" : "+dirty");
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return "";
    }
    return s;
  }
}

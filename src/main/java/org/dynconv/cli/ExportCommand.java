package org.dynconv.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.Threads;
import org.dynconv.train.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", description = "Export a training run (or one of its checkpoints) as a"
    + " SavedModel for TensorFlow Java, Python TensorFlow and TF-Serving.")
final class ExportCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  ThreadOptions threadOptions = new ThreadOptions();

  @Option(names = "--checkpoint", required = true,
      description = "A run directory written by 'train', or one of its checkpoints/ckpt-* dirs.")
  Path checkpoint;

  @Option(names = "--out", required = true, description = "Export directory (must not exist).")
  Path out;

  @Option(names = "--force", description = "Replace an existing export directory.")
  boolean force;

  @Option(names = "--fold-batchnorm", description = "Fold every BatchNorm into the convolution"
      + " before it (inference only; the variables then differ from the training graph's).")
  boolean foldBatchNorm;

  @Option(names = "--static-batch", defaultValue = "-1", description = "Fix the batch size (1 gives"
      + " batch-1 fusion for single-image serving); default: any batch.")
  long staticBatch;

  @Option(names = "--serving-version", defaultValue = "0",
      description = "Write TF-Serving's layout, OUT/<N>/saved_model.pb (N >= 1).")
  int servingVersion;

  @Override
  public Integer call() throws Exception {
    if (servingVersion < 0) {
      throw new CliErrors.UsageError("--serving-version=" + servingVersion
          + " is invalid; expected an integer >= 1.");
    }
    RunDirectory run;
    try {
      run = RunDirectory.open(checkpoint);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    if (staticBatch == 0 || staticBatch < -1) {
      throw new CliErrors.UsageError("--static-batch=" + staticBatch
          + " is invalid; expected an integer >= 1.");
    }
    Path dir = exportRun(run, new SavedModelExporter.Target(out, force, servingVersion,
        foldBatchNorm, staticBatch), threadOptions.value());
    System.out.println("exported " + run.config().model() + " (step " + run.checkpoint().state().step()
        + ") to " + dir);
    return 0;
  }

  /** Shared by export and train --export; maps an existing target to a usage error. */
  static Path exportRun(RunDirectory run, SavedModelExporter.Target target, Threads threads)
      throws java.io.IOException {
    try {
      return RunExporter.export(run, target, threads);
    } catch (FileAlreadyExistsException e) {
      throw new CliErrors.UsageError("--out '" + e.getFile() + "' exists; expected a new directory,"
          + " or --force to replace it.");
    }
  }
}

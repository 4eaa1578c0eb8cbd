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

  @picocli.CommandLine.Mixin
  ExportTargetOptions target = new ExportTargetOptions();

  @Option(names = "--static-batch", defaultValue = "-1", description = "Fix the batch size (1 gives"
      + " batch-1 fusion for single-image serving); default: any batch.")
  long staticBatch;

  @Override
  public Integer call() throws Exception {
    // Arguments first, then files.
    if (staticBatch == 0 || staticBatch < -1) {
      throw new CliErrors.UsageError("--static-batch=" + staticBatch
          + " is invalid; expected an integer >= 1.");
    }
    SavedModelExporter.Target t = target.target(staticBatch);
    RunDirectory run;
    try {
      run = RunDirectory.open(checkpoint);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    Path dir = exportRun(run, t, threadOptions.value());
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
      throw ExportTargetOptions.exists(e);
    }
  }
}

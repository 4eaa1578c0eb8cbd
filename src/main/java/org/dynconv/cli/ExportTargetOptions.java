package org.dynconv.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import org.dynconv.export.SavedModelExporter;
import picocli.CommandLine.Option;

/** Where and how a command writes a SavedModel: the options export and import-google share. */
final class ExportTargetOptions {
  @Option(names = "--out", required = true, description = "Export directory (must not exist).")
  Path out;

  @Option(names = "--force", description = "Replace an existing export directory.")
  boolean force;

  @Option(names = "--fold-batchnorm", description = "Fold every BatchNorm into the convolution"
      + " before it (inference only; the variables then differ from the training graph's).")
  boolean foldBatchNorm;

  @Option(names = "--serving-version", defaultValue = "0",
      description = "Write TF-Serving's layout, OUT/<N>/saved_model.pb (N >= 1).")
  int servingVersion;

  /** The validated target; {@code staticBatch} -1 keeps the batch dimension open. */
  SavedModelExporter.Target target(long staticBatch) {
    if (servingVersion < 0) {
      throw new CliErrors.UsageError("--serving-version=" + servingVersion
          + " is invalid; expected an integer >= 1.");
    }
    return new SavedModelExporter.Target(out, force, servingVersion, foldBatchNorm, staticBatch);
  }

  /** The usage error for an export directory that exists without --force. */
  static CliErrors.UsageError exists(FileAlreadyExistsException e) {
    return new CliErrors.UsageError("--out '" + e.getFile() + "' exists; expected a new directory,"
        + " or --force to replace it.");
  }
}

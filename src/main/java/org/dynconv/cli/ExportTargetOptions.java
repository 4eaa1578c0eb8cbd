package org.dynconv.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.BankPrecision;
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

  @Option(names = "--batch-signatures", description = "With a dynamic batch, the batch sizes that"
      + " get signatures of their own (serving_default_batch_N, routing_batch_N) on a static-batch"
      + " copy sharing the weights, comma-separated (e.g. 1,8,32), or 'none' (the default).")
  String batchSignatures;

  @Option(names = "--bank-dtype", defaultValue = "float32", description = "Store and mix the"
      + " expert banks in float32 (default), bfloat16 or float16: half the bytes read per mixed"
      + " kernel, weights rounded (docs: performance, Half-width expert banks); inference only.")
  String bankDtype;

  @Option(names = "--kernels", description = "Let AUTO use dynconv's own kernel op where it"
      + " measured fastest; the export then needs the kernel library (copied into its"
      + " assets.extra/; Python: tf.load_op_library) and TF-Serving cannot serve it. Default:"
      + " TensorFlow's ops only.")
  boolean kernels;

  /** The validated target; {@code staticBatch} -1 keeps the batch dimension open. */
  SavedModelExporter.Target target(long staticBatch) {
    if (servingVersion < 0) {
      throw new CliErrors.UsageError("--serving-version=" + servingVersion
          + " is invalid; expected an integer >= 1.");
    }
    BankPrecision bank;
    try {
      bank = BankPrecision.parse("--bank-dtype", bankDtype);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    List<Long> sizes = staticBatch > 0 ? List.of() : SavedModelExporter.DEFAULT_BATCH_SIGNATURES;
    if (batchSignatures != null) {
      if (staticBatch > 0) {
        throw new CliErrors.UsageError("--batch-signatures=" + batchSignatures + " with"
            + " --static-batch=" + staticBatch + "; expected one of them (a static-batch export"
            + " has one batch size).");
      }
      sizes = batchSizes(batchSignatures);
    }
    return new SavedModelExporter.Target(out, force, servingVersion, foldBatchNorm, staticBatch,
        sizes, bank, kernels);
  }

  /** "none" or distinct sizes >= 1, comma-separated. */
  static List<Long> batchSizes(String s) {
    if (s.equals("none")) {
      return List.of();
    }
    List<Long> sizes = new ArrayList<>();
    for (String part : s.split(",", -1)) {
      long b;
      try {
        b = Long.parseLong(part.trim());
      } catch (NumberFormatException e) {
        b = 0;
      }
      if (b < 1 || b > Integer.MAX_VALUE || sizes.contains(b)) {
        throw new CliErrors.UsageError("--batch-signatures=" + s + " is invalid at '" + part
            + "'; expected 'none' or distinct batch sizes >= 1, comma-separated (e.g. 1,8,32).");
      }
      sizes.add(b);
    }
    return sizes;
  }

  /** The usage error for an export directory that exists without --force. */
  static CliErrors.UsageError exists(FileAlreadyExistsException e) {
    return new CliErrors.UsageError("--out '" + e.getFile() + "' exists; expected a new directory,"
        + " or --force to replace it.");
  }
}

package org.dynconv.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.importer.GoogleImporter;
import org.dynconv.models.ModelSpec;
import org.dynconv.models.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "import-google", description = "Import a Google EfficientNet(-CondConv) TF1"
    + " checkpoint and export it as a SavedModel with a dynamic batch.")
final class ImportGoogleCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  ThreadOptions threadOptions = new ThreadOptions();

  @Option(names = "--checkpoint", required = true,
      description = "Checkpoint prefix, e.g. efficientnet-condconv-b0-4e/model.ckpt.")
  Path checkpoint;

  @Option(names = "--model", required = true,
      description = "efficientnet-b0, efficientnet-condconv-b0-4e, -b0-8e or -b0-8e-depth.")
  String model;

  @Option(names = "--no-ema", description = "Use the raw values, not the EMA shadows.")
  boolean noEma;

  @picocli.CommandLine.Mixin
  ExportTargetOptions target = new ExportTargetOptions();

  @Override
  public Integer call() throws Exception {
    if (!model.startsWith("efficientnet-")) {
      throw new CliErrors.UsageError("--model=" + model + " is not a Google EfficientNet; expected one"
          + " of efficientnet-b0, efficientnet-condconv-b0-4e, efficientnet-condconv-b0-8e,"
          + " efficientnet-condconv-b0-8e-depth.");
    }
    ModelSpec spec;
    try {
      spec = ModelZoo.get(model);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    SavedModelExporter.Target t = target.target(-1);
    try {
      GoogleImporter.Result r = GoogleImporter.importCheckpoint(checkpoint, spec, !noEma,
          t, threadOptions.value());
      System.out.printf("imported %d variables (%d from EMA shadows) of %s into %s%n", r.variables(),
          r.fromEma(), model, r.exportDir());
      System.out.println("input: " + spec.inputNormalisation());
    } catch (FileAlreadyExistsException e) {
      throw ExportTargetOptions.exists(e);
    }
    return 0;
  }
}

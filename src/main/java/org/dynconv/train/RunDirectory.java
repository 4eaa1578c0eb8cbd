package org.dynconv.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.ModelSpec;

/**
 * A training run on disk, found from either the run directory (its latest checkpoint) or one of
 * its checkpoint directories.
 *
 * @param dir the run directory (holding run.properties)
 * @param config the run's settings
 * @param checkpoint the checkpoint to use
 */
public record RunDirectory(Path dir, TrainConfig config, CheckpointStore.Checkpoint checkpoint) {

  public static RunDirectory open(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("--checkpoint '" + path + "' does not exist; expected a run"
          + " directory written by 'train' or one of its checkpoints/ckpt-* directories.");
    }
    Path runDir;
    CheckpointStore.Checkpoint ckpt;
    if (Files.isRegularFile(path.resolve("state.properties"))) {
      runDir = path.toAbsolutePath().getParent().getParent();
      ckpt = new CheckpointStore.Checkpoint(path, TrainState.fromMap(
          AtomicFiles.readProperties(path.resolve("state.properties")), path.toString()));
    } else {
      runDir = path;
      ckpt = new CheckpointStore(path).latest().orElseThrow(() -> new IllegalArgumentException(
          "--checkpoint '" + path + "' holds no checkpoint; expected a run directory written by"
              + " 'train' (with checkpoints/latest) or one of its checkpoints/ckpt-* directories."));
    }
    Path props = runDir.resolve("run.properties");
    if (!Files.isRegularFile(props)) {
      throw new IllegalArgumentException("--checkpoint '" + path + "': no run.properties in '"
          + runDir + "'; expected a run directory written by 'train'.");
    }
    return new RunDirectory(runDir, Trainer.readRunConfig(runDir), ckpt);
  }

  /**
   * The zoo model as trained, with its temperature input defaulting to the final temperature. A
   * run of a model of the caller's own is not in the zoo: pass its spec to the exporter instead.
   */
  public ModelSpec modelSpec() {
    if (!org.dynconv.models.ModelZoo.names().contains(config.model())) {
      throw new IllegalArgumentException("run '" + dir + "' trained model '" + config.model()
          + "', which is not in dynconv's zoo; expected a zoo model here (export a run of your"
          + " own model with RunExporter.export(run, spec, target, threads)).");
    }
    return config.modelSpec();
  }
}

package org.dynconv.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dynconv.data.FashionMnist;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.Trainer;
import org.tensorflow.Graph;

/**
 * Exports a training run: reads the weights the run evaluates with (EMA shadows when it used an
 * EMA) from its checkpoint and writes a SavedModel with {@link SavedModelExporter}.
 */
public final class RunExporter {
  private RunExporter() {}

  /** Exports a run of a zoo model (the model named in its run.properties). */
  public static Path export(RunDirectory run, SavedModelExporter.Target target, Threads threads)
      throws IOException {
    run.modelSpec(); // a clear error when the run's model is not in the zoo
    return export(run, org.dynconv.models.ModelZoo.get(run.config().model()), target, threads);
  }

  /**
   * Exports a run of {@code model}, the spec it was trained with (a model of the caller's own
   * cannot be found by name); the run's experts, classes and final temperature are applied to it
   * as the trainer did. The export's labels are the training source's class names when the run
   * recorded them ({@code classes.txt}), else Fashion-MNIST's for a 28x28 ten-class model.
   */
  public static Path export(RunDirectory run, ModelSpec model, SavedModelExporter.Target target,
      Threads threads) throws IOException {
    if (!model.name().equals(run.config().model())) {
      throw new IllegalArgumentException("RunExporter: run '" + run.dir() + "' trained model '"
          + run.config().model() + "'; expected its spec, got '" + model.name() + "'.");
    }
    ModelSpec spec = run.config().applyTo(model);
    Path scratch = Files.createTempDirectory("dynconv-export-");
    try {
      Path weights = scratch.resolve("weights");
      try (Graph g = new Graph()) {
        Model m = spec.build(LayerScope.root(g, 0), Mode.INFER);
        WeightsExtractor.extract(run.checkpoint().prefix(), m.variables(),
            run.config().emaDecay() > 0, weights);
      }
      Map<String, String> extra = new LinkedHashMap<>();
      extra.put("trained", "step " + run.checkpoint().state().step() + " of run " + run.dir()
          + (run.config().emaDecay() > 0 ? " (EMA weights)" : ""));
      if (spec.annealsTemperature()) {
        extra.put("temperature", Double.toString(run.config().temperatureEnd()));
      }
      Path classes = run.dir().resolve(Trainer.CLASSES_FILE);
      String[] labels = Files.isRegularFile(classes)
          ? Files.readAllLines(classes).stream().filter(l -> !l.isBlank()).toArray(String[]::new)
          : spec.numClasses() == 10 && spec.height() == 28 ? FashionMnist.CLASSES : null;
      return SavedModelExporter.export(spec, weights, target, labels, extra, threads);
    } finally {
      AtomicFiles.deleteTree(scratch);
    }
  }
}

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
import org.tensorflow.Graph;

/**
 * Exports a training run: reads the weights the run evaluates with (EMA shadows when it used an
 * EMA) from its checkpoint and writes a SavedModel with {@link SavedModelExporter}.
 */
public final class RunExporter {
  private RunExporter() {}

  public static Path export(RunDirectory run, SavedModelExporter.Target target, Threads threads)
      throws IOException {
    ModelSpec spec = run.modelSpec();
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
      String[] labels = spec.numClasses() == 10 && spec.height() == 28 ? FashionMnist.CLASSES : null;
      return SavedModelExporter.export(spec, weights, target, labels, extra, threads);
    } finally {
      AtomicFiles.deleteTree(scratch);
    }
  }
}

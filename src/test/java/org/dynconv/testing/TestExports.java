package org.dynconv.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.models.ModelSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** SavedModels of freshly initialised models, for tests that need an export but no training. */
public final class TestExports {
  private TestExports() {}

  public static Path export(ModelSpec spec, long seed, Path dir) throws IOException {
    return export(spec, seed, new SavedModelExporter.Target(dir, false, 0));
  }

  /** As {@link #export(ModelSpec, long, Path)}, to {@code target}. */
  public static Path export(ModelSpec spec, long seed, SavedModelExporter.Target target)
      throws IOException {
    Path scratch = Files.createTempDirectory("dynconv-test-weights-");
    try {
      Path weights = scratch.resolve("w");
      try (Graph g = new Graph()) {
        spec.build(LayerScope.root(g, seed), Mode.INFER);
        try (Session s = new Session(g)) {
          s.initialize();
          s.save(weights.toString());
        }
      }
      return SavedModelExporter.export(spec, weights, target, null, Map.of(), Threads.defaults());
    } finally {
      org.dynconv.io.AtomicFiles.deleteTree(scratch);
    }
  }
}

package org.dynconv.infer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.data.ImageSource;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.Threads;
import org.dynconv.models.BatchCopies;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.dynconv.routing.RoutingEntropy;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A model in INFER mode in its own graph and session: BatchNorm on moving statistics, no dropout,
 * the temperature at its default. Weights come from a checkpoint written under the model's
 * variable names ({@link #loadWeights}). Used for validation, export and prediction.
 *
 * <p>Thread-safety: {@link #logits} and {@link #evaluate} may be called from several threads
 * (TensorFlow's session run is thread-safe); {@link #loadWeights} and {@link #close} may not run
 * concurrently with them.
 */
public final class InferenceModel implements AutoCloseable {
  private final ModelSpec spec;
  private final Graph graph;
  private final Model model;
  private final Map<Long, Model> copies;
  private final Session session;

  private InferenceModel(ModelSpec spec, Graph graph, Model model, Map<Long, Model> copies,
      Session session) {
    this.spec = spec;
    this.graph = graph;
    this.model = model;
    this.copies = copies;
    this.session = session;
  }

  public static InferenceModel create(ModelSpec spec, Threads threads) {
    return create(spec, BuildOptions.of(Mode.INFER), threads);
  }

  /** With explicit build options (an inference mode, a static batch, folded BatchNorms). */
  public static InferenceModel create(ModelSpec spec, BuildOptions options, Threads threads) {
    return create(spec, options, List.of(), threads);
  }

  /**
   * With static-batch copies ({@link BatchCopies}) for the batch sizes in {@code copies} (empty:
   * none), sharing the model's variables.
   */
  public static InferenceModel create(ModelSpec spec, BuildOptions options, List<Long> copies,
      Threads threads) {
    Graph g = new Graph();
    try {
      BatchCopies built = BatchCopies.build(spec, LayerScope.root(g, 0), options, copies);
      return new InferenceModel(spec, g, built.dynamic(), built.byBatch(), threads.session(g));
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
  }

  /**
   * Restores every model variable from the checkpoint {@code prefix} (extra keys are ignored).
   *
   * @throws IllegalArgumentException naming the checkpoint when a variable is missing or has
   *     another shape, e.g. a checkpoint of another model
   */
  public void loadWeights(Path prefix) {
    try {
      session.restore(prefix.toString());
    } catch (TensorFlowException e) {
      throw new IllegalArgumentException("InferenceModel: checkpoint '" + prefix
          + "' does not fit model '" + spec.name() + "': " + firstLine(e.getMessage()), e);
    }
  }

  /** Logits {@code [n, classes]} for {@code n} images of pixels 0..255. */
  public float[] logits(float[] pixels, int n) {
    try (TFloat32 in = Tensors.of(Shape.of(n, spec.height(), spec.width(), spec.channels()), pixels);
        Result r = session.runner().feed(model.images(), in).fetch(model.logits()).run()) {
      return Tensors.toArray((TFloat32) r.get(0));
    }
  }

  /** Accuracy and per-layer mean routing statistics over a dataset. */
  public Evaluation evaluate(ImageSource data, int batchSize) {
    return evaluate(data, batchSize, Double.NaN);
  }

  /**
   * As {@link #evaluate(ImageSource, int)}, with DynamicConv's temperature set to {@code temperature}
   * (NaN keeps the graph's default), so routing statistics can be taken at a training temperature.
   */
  public Evaluation evaluate(ImageSource data, int batchSize, double temperature) {
    int n = data.size(), classes = spec.numClasses();
    List<String> layers = new ArrayList<>(model.routing().keySet());
    double[] entropy = new double[layers.size()];
    long correct = 0;
    // Layers sharing one routing tensor share one fetch (a result may not hold a name twice).
    List<Operand<TFloat32>> unique = new ArrayList<>();
    int[] slot = new int[layers.size()];
    for (int k = 0; k < layers.size(); k++) {
      Operand<TFloat32> op = model.routing().get(layers.get(k));
      if (!unique.contains(op)) {
        unique.add(op);
      }
      slot[k] = unique.indexOf(op);
    }
    for (int from = 0; from < n; from += batchSize) {
      int m = Math.min(batchSize, n - from);
      float[] pix = data.floatPixels(from, m);
      try (TFloat32 in = Tensors.of(Shape.of(m, spec.height(), spec.width(), spec.channels()), pix);
          TFloat32 temp = TFloat32.scalarOf(Double.isNaN(temperature) ? 1f : (float) temperature)) {
        Session.Runner runner = session.runner().feed(model.images(), in).fetch(model.logits());
        if (!Double.isNaN(temperature) && model.temperature() != null) {
          runner.feed(model.temperature(), temp);
        }
        unique.forEach(runner::fetch);
        try (Result r = runner.run()) {
          float[] logits = Tensors.toArray((TFloat32) r.get(0));
          for (int i = 0; i < m; i++) {
            if (Predictor.argMax(logits, i, classes) == data.label(from + i)) {
              correct++;
            }
          }
          for (int k = 0; k < layers.size(); k++) {
            entropy[k] += entropySum(Tensors.toArray((TFloat32) r.get(slot[k] + 1)), m);
          }
        }
      }
    }
    Map<String, Double> meanEntropy = new LinkedHashMap<>();
    for (int k = 0; k < layers.size(); k++) {
      meanEntropy.put(layers.get(k), entropy[k] / n);
    }
    return new Evaluation((double) correct / n, meanEntropy);
  }

  /** Accuracy, and per conditional layer the mean entropy {@code -sum p log p} of its weights. */
  public record Evaluation(double accuracy, Map<String, Double> routingEntropy) {}

  /** The model (a dynamic batch unless the build options fix one); it owns the variables. */
  public Model model() {
    return model;
  }

  /** The static-batch copies sharing the model's variables, by batch size (often none). */
  public Map<Long, Model> copies() {
    return copies;
  }

  public ModelSpec spec() {
    return spec;
  }

  public Session session() {
    return session;
  }

  public Graph graph() {
    return graph;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

  /** Sum over rows of each row's routing entropy. */
  private static double entropySum(float[] w, int rows) {
    double total = 0;
    for (int r = 0; r < rows; r++) {
      total += RoutingEntropy.ofRow(w, r, w.length / rows);
    }
    return total;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

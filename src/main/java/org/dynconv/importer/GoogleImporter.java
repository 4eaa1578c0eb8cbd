package org.dynconv.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.data.ImageNetClasses;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.export.WeightsExtractor;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.tensorflow.Graph;
import org.tensorflow.proto.DataType;

/**
 * Imports a Google EfficientNet(-CondConv) TF1 checkpoint into a dynconv model and exports it as a
 * SavedModel with a dynamic batch. Keys are matched by pattern ({@link GoogleNames}), with or
 * without the {@code model/} infix; {@code <key>/ExponentialMovingAverage} is preferred unless
 * {@code ema} is false; optimizer slots and {@code global_step} are ignored. Every dtype and shape
 * is checked and all problems are reported in one error; nothing is exported unless every
 * variable was found.
 */
public final class GoogleImporter {
  private static final List<String> IGNORED_SUFFIXES =
      List.of("/RMSProp", "/RMSProp_1", "/Momentum", "/Adam", "/Adam_1");
  private static final String EMA = "/ExponentialMovingAverage";

  private GoogleImporter() {}

  /**
   * Which checkpoint key feeds each model variable.
   *
   * @param keys model variable name to checkpoint key, in model order
   * @param fromEma how many keys are EMA shadows
   */
  public record Plan(Map<String, String> keys, int fromEma) {}

  /** Matches the model's variables to the checkpoint's keys, or throws listing every problem. */
  public static Plan plan(TensorBundle ckpt, List<VariableRef> variables, boolean ema) {
    Map<String, String> raw = new HashMap<>();
    Map<String, String> shadows = new HashMap<>();
    List<String> base = new ArrayList<>();
    for (TensorBundle.Entry e : ckpt.entries()) {
      String k = e.name();
      if (k.equals("global_step") || IGNORED_SUFFIXES.stream().anyMatch(k::endsWith)) {
        continue;
      }
      if (k.endsWith(EMA)) {
        shadows.put(k.substring(0, k.length() - EMA.length()), k);
      } else {
        base.add(k);
      }
    }
    // EMA-only checkpoints (Google's L2) have shadows without raw keys.
    shadows.keySet().stream().filter(k -> !base.contains(k)).forEach(base::add);
    GoogleNames.canonical(base).forEach((key, canon) -> raw.put(canon, key));
    Map<String, String> ours = GoogleNames.canonical(variables.stream().map(VariableRef::name).toList());

    Map<String, String> plan = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    int fromEma = 0;
    for (VariableRef v : variables) {
      String key = raw.get(ours.get(v.name()));
      if (key == null) {
        problems.add("missing " + v.name() + " " + v.shape());
        continue;
      }
      String use = ema && shadows.containsKey(key) ? shadows.get(key) : key;
      if (!ckpt.contains(use)) {
        problems.add("missing " + use + " (raw values; run with EMA weights or a full checkpoint)");
        continue;
      }
      TensorBundle.Entry e = ckpt.entry(use);
      if (e.dtype() != DataType.DT_FLOAT) {
        problems.add(use + " has dtype " + e.dtype() + ", expected DT_FLOAT for " + v.name());
      } else if (!java.util.Arrays.equals(e.shape(), v.shape().asArray())) {
        problems.add(use + " has shape " + e.shapeString() + ", expected " + v.shape() + " for "
            + v.name());
      } else {
        plan.put(v.name(), use);
        if (!use.equals(key)) {
          fromEma++;
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("GoogleImporter: " + problems.size() + " of "
          + variables.size() + " variables could not be loaded from checkpoint '" + ckpt.prefix()
          + "': " + String.join("; ", problems) + ".");
    }
    return new Plan(plan, fromEma);
  }

  /** The outcome of an import. */
  public record Result(Path exportDir, int variables, int fromEma) {}

  /** Plans, copies the weights under the model's names, and exports the SavedModel. */
  public static Result importCheckpoint(Path prefix, ModelSpec spec, boolean ema,
      SavedModelExporter.Target target, Threads threads) throws IOException {
    TensorBundle ckpt = TensorBundle.open(prefix);
    Path scratch = Files.createTempDirectory("dynconv-import-");
    try {
      Plan plan;
      Path weights = scratch.resolve("weights");
      try (Graph g = new Graph()) {
        Model m = spec.build(LayerScope.root(g, 0), Mode.INFER);
        plan = plan(ckpt, m.variables(), ema);
        WeightsExtractor.extract(prefix, new ArrayList<>(plan.keys().keySet()),
            new ArrayList<>(plan.keys().values()), weights);
      }
      Map<String, String> extra = new LinkedHashMap<>();
      extra.put("imported", "Google checkpoint " + prefix + (plan.fromEma() > 0
          ? " (" + plan.fromEma() + " EMA values)" : " (raw values)"));
      // Google's ImageNet heads predict the 1000 ImageNet classes in sorted-synset order.
      String[] labels = null;
      if (spec.numClasses() == 1000) {
        labels = ImageNetClasses.names();
        extra.put("labels", ImageNetClasses.SOURCE);
      }
      Path dir = SavedModelExporter.export(spec, weights, target, labels, extra, threads);
      return new Result(dir, plan.keys().size(), plan.fromEma());
    } finally {
      AtomicFiles.deleteTree(scratch);
    }
  }
}

package org.dynconv.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.ModelSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;

/**
 * Rewrites a float32 weights checkpoint for a model built with a half-width {@link BankPrecision}:
 * every variable the build stores at half width (its expert-bank kernels) is rounded to that type
 * (round to nearest even, TensorFlow's Cast), every other variable is copied as it is. Which
 * variables those are comes from the build itself ({@link VariableRef#halfWidth()}).
 */
public final class BankNarrower {
  private BankNarrower() {}

  /**
   * @param options the build the checkpoint is for (INFER, with a half-width bank precision; its
   *     folding must match the checkpoint's)
   */
  public static void narrow(ModelSpec spec, BuildOptions options, Path weights, Path out)
      throws IOException {
    if (!options.bankPrecision().halfWidth()) {
      throw new IllegalArgumentException("BankNarrower: bankPrecision=" + options.bankPrecision()
          .label() + "; expected bfloat16 or float16 (float32 checkpoints need no rewriting).");
    }
    List<VariableRef> variables;
    Set<String> half = new HashSet<>();
    try (Graph g = new Graph()) {
      variables = spec.build(LayerScope.root(g, 0), options).variables();
      // The dtype is read from the graph, so while it is open.
      variables.stream().filter(VariableRef::halfWidth).forEach(v -> half.add(v.name()));
    }
    TensorBundle in = TensorBundle.open(weights);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<String> names = new ArrayList<>();
      List<Operand<?>> tensors = new ArrayList<>();
      for (VariableRef v : variables) {
        Operand<?> value = tf.constant(v.shape(), DataBuffers.of(in.readFloats(v.name()), true,
            false));
        if (half.contains(v.name())) {
          value = tf.dtypes.cast(value, options.bankPrecision().type());
        }
        names.add(v.name());
        tensors.add(value);
      }
      var save = tf.train.save(tf.constant(out.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
          tensors);
      s.runner().addTarget(save).run();
    }
  }
}

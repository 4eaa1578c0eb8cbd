package org.dynconv.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Initialises a new run from a SavedModel (its {@code variables/variables} checkpoint) or a
 * checkpoint prefix: every model variable found there under the same name with the same shape is
 * restored, the rest keep their initial values (a new classifier head, for instance).
 */
public final class WarmStart {
  private final Op op;
  private final Path source;
  private final int loaded;
  private final List<String> fresh;

  private WarmStart(Op op, Path source, int loaded, List<String> fresh) {
    this.op = op;
    this.source = source;
    this.loaded = loaded;
    this.fresh = fresh;
  }

  /** Builds the restore-and-assign ops; run {@link #op()} once after initialisation. */
  static WarmStart build(LayerScope scope, Path source, List<VariableRef> variables)
      throws IOException {
    Path prefix = Files.isDirectory(source) ? source.resolve("variables").resolve("variables") : source;
    TensorBundle bundle = TensorBundle.open(prefix);
    List<VariableRef> found = new ArrayList<>();
    List<String> fresh = new ArrayList<>();
    for (VariableRef v : variables) {
      TensorBundle.Entry e = bundle.entry(v.name());
      if (e != null && java.util.Arrays.equals(e.shape(), v.shape().asArray())) {
        found.add(v);
      } else {
        fresh.add(v.name() + " " + v.shape());
      }
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("--init-from '" + source + "' holds none of the model's "
          + variables.size() + " variables; expected a SavedModel or checkpoint of the same model.");
    }
    Ops tf = scope.ops();
    List<Class<? extends TType>> types = new ArrayList<>(Collections.nCopies(found.size(), TFloat32.class));
    Restore r = tf.train.restore(tf.constant(prefix.toString()),
        tf.constant(StandardCharsets.UTF_8, found.stream().map(VariableRef::name).toArray(String[]::new)),
        tf.constant(StandardCharsets.UTF_8, Collections.nCopies(found.size(), "").toArray(new String[0])),
        types);
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> value = (Operand<TFloat32>) r.tensors().get(i);
      assigns.add(tf.assign(found.get(i).variable(), value));
    }
    return new WarmStart(tf.withControlDependencies(assigns).noOp(), source, found.size(), fresh);
  }

  public Op op() {
    return op;
  }

  /** One line for the log: what was loaded and what is new. */
  public String describe() {
    return "warm start from " + source + ": " + loaded + " of " + (loaded + fresh.size())
        + " variables" + (fresh.isEmpty() ? "" : "; initialised anew: " + String.join(", ", fresh));
  }
}

package org.dynconv.export;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.op.train.Save;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Copies the weights an inference graph needs out of a training checkpoint into a checkpoint of
 * their own, under the model's variable names: {@code <name>/ExponentialMovingAverage} when the run
 * used an EMA, {@code <name>} otherwise. It runs in a scratch graph so no restore ops end up in an
 * exported model.
 */
public final class WeightsExtractor {
  private WeightsExtractor() {}

  /**
   * @param variables the inference model's variables (names and shapes)
   * @param fromEma read the EMA shadows
   * @throws IllegalArgumentException naming the checkpoint and the first missing key
   */
  public static void extract(Path trainingPrefix, List<VariableRef> variables, boolean fromEma,
      Path outPrefix) {
    List<String> names = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (VariableRef v : variables) {
      names.add(v.name());
      keys.add(fromEma ? v.name() + "/ExponentialMovingAverage" : v.name());
    }
    extract(trainingPrefix, names, keys, outPrefix);
  }

  /** Copies checkpoint key {@code keys[i]} to {@code names[i]} in a new checkpoint. */
  public static void extract(Path trainingPrefix, List<String> names, List<String> keys,
      Path outPrefix) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Class<? extends TType>> types = new ArrayList<>(Collections.nCopies(keys.size(), TFloat32.class));
      Restore r = tf.train.restore(tf.constant(trainingPrefix.toString()),
          tf.constant(StandardCharsets.UTF_8, keys.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, Collections.nCopies(keys.size(), "").toArray(new String[0])),
          types);
      List<Operand<?>> tensors = new ArrayList<>(r.tensors());
      Save save = tf.train.save(tf.constant(outPrefix.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, Collections.nCopies(names.size(), "").toArray(new String[0])),
          tensors);
      s.runner().addTarget(save).run();
    } catch (TensorFlowException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage().split("\n")[0];
      throw new IllegalArgumentException("WeightsExtractor: checkpoint '" + trainingPrefix
          + "' does not hold the model's weights: " + msg, e);
    }
  }

}

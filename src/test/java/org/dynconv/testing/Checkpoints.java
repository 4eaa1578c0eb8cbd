package org.dynconv.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;

/** Small checkpoints written by TensorFlow's own SaveV2 kernel, for tests of the readers. */
public final class Checkpoints {
  private Checkpoints() {}

  /** Writes {@code tensors} (float[] values with a shape, or a Long scalar) with TensorFlow. */
  public static Path write(Path prefix, Map<String, Object[]> tensors) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<String> names = new ArrayList<>();
      List<Operand<?>> values = new ArrayList<>();
      tensors.forEach((name, t) -> {
        names.add(name);
        values.add(t[0] instanceof Long l ? tf.constant(l)
            : tf.constant((Shape) t[1], DataBuffers.of((float[]) t[0], true, false)));
      });
      s.runner().addTarget(tf.train.save(tf.constant(prefix.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
          values)).run();
    }
    return prefix;
  }

}

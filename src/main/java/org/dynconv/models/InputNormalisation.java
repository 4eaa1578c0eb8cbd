package org.dynconv.models;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** {@code (x - mean) / std} per channel, on pixels in 0..255, as the first ops of a model. */
public record InputNormalisation(float[] mean, float[] std) {
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    return tf.math.div(tf.math.sub(x, tf.constant(mean)), tf.constant(std));
  }

  public String describe() {
    return "float32 pixels in 0..255, normalised inside the graph as (x - "
        + java.util.Arrays.toString(mean) + ") / " + java.util.Arrays.toString(std);
  }
}

package org.dynconv.nn;

import org.dynconv.config.Activation;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Applies an {@link Activation}. */
public final class Activations {
  private Activations() {}

  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Activation activation) {
    return switch (activation) {
      case NONE -> x;
      case RELU -> tf.nn.relu(x);
      case RELU6 -> tf.nn.relu6(x);
      case SWISH -> tf.math.mul(x, tf.math.sigmoid(x));
      case SIGMOID -> tf.math.sigmoid(x);
    };
  }
}

package org.dynconv.routing;

import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The softmax temperature as a graph input: a scalar {@code PlaceholderWithDefault} named {@code
 * <scope>/temperature}. Training feeds the annealed value every step; an exported graph runs with
 * the default. One input may be shared by every DynamicConv layer of a model.
 */
public final class Temperature {
  private Temperature() {}

  /** A scalar input named {@code <scope>/temperature} that defaults to {@code defaultValue}. */
  public static Operand<TFloat32> input(LayerScope scope, float defaultValue) {
    Check.positiveFinite("Temperature", "defaultValue", defaultValue);
    var tf = scope.ops();
    return tf.withName("temperature")
        .placeholderWithDefault(tf.constant(defaultValue), Shape.scalar());
  }
}

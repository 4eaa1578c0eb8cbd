package org.dynconv.init;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Produces a variable's initial value as graph ops. Random initializers must seed their ops with
 * both seeds, so the same model seed gives the same weights in every process.
 */
@FunctionalInterface
public interface Initializer {
  /**
   * @param tf ops to build with (named under {@code <variable>/Initializer})
   * @param shape the variable's shape
   * @param seed the model seed
   * @param seed2 a per-variable seed derived from its name
   */
  Operand<TFloat32> create(Ops tf, Shape shape, long seed, long seed2);
}

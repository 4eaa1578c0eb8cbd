package org.dynconv.nn;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;

/**
 * A fully connected layer: {@code y = act(x W + b)}, {@code W [in, units]}, {@code b [units]}.
 *
 * @param units output features, >= 1
 * @param useBias whether {@code b} exists
 * @param activation applied last
 * @param init kernel initializer: GLOROT_UNIFORM (tf.layers' default, used by Google's routing
 *     dense) or GOOGLE_DENSE (uniform with limit 1/sqrt(units), Google's classifier head)
 */
public record DenseConfig(int units, boolean useBias, Activation activation, KernelInit init) {
  public DenseConfig {
    Check.positive("DenseConfig", "units", units);
    Check.notNull("DenseConfig", "activation", activation);
    Check.notNull("DenseConfig", "init", init);
  }

  /** How the kernel is initialised. */
  public enum KernelInit {
    GLOROT_UNIFORM,
    GOOGLE_DENSE
  }

  public static DenseConfig of(int units) {
    return new DenseConfig(units, true, Activation.NONE, KernelInit.GLOROT_UNIFORM);
  }
}

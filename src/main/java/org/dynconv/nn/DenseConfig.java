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
 *     dense), GOOGLE_DENSE (uniform with limit 1/sqrt(units), Google's classifier head),
 *     NORMAL_0_01 (Normal(0, 0.01), the official DCD and ODConv MobileNetV2 Linear init) or
 *     HE_FAN_OUT (Normal(0, sqrt(2 / units)), PyTorch's kaiming_normal_ with mode fan_out, which
 *     ODConv's attention uses for its 1x1 convolutions)
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
    GOOGLE_DENSE,
    NORMAL_0_01,
    HE_FAN_OUT
  }

  public static DenseConfig of(int units) {
    return new DenseConfig(units, true, Activation.NONE, KernelInit.GLOROT_UNIFORM);
  }

  /** No bias, no activation, the given initializer. */
  public static DenseConfig linear(int units, KernelInit init) {
    return new DenseConfig(units, false, Activation.NONE, init);
  }

  public DenseConfig withBias(boolean bias) {
    return new DenseConfig(units, bias, activation, init);
  }
}

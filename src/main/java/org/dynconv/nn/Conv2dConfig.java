package org.dynconv.nn;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;

/**
 * A static 2-D convolution: {@code y = act(conv(x, K) + b)}, {@code K [kh,kw,Cin,filters]}.
 *
 * @param filters output channels, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param useBias whether {@code b [filters]} exists
 * @param activation applied last
 */
public record Conv2dConfig(
    int filters, ConvGeometry geometry, boolean useBias, Activation activation) {
  public Conv2dConfig {
    Check.positive("Conv2dConfig", "filters", filters);
    Check.notNull("Conv2dConfig", "geometry", geometry);
    Check.notNull("Conv2dConfig", "activation", activation);
  }

  /** With a bias and no activation. */
  public static Conv2dConfig of(int filters, ConvGeometry geometry) {
    return new Conv2dConfig(filters, geometry, true, Activation.NONE);
  }

  public Conv2dConfig withBias(boolean bias) {
    return new Conv2dConfig(filters, geometry, bias, activation);
  }

  public Conv2dConfig withActivation(Activation act) {
    return new Conv2dConfig(filters, geometry, useBias, act);
  }
}

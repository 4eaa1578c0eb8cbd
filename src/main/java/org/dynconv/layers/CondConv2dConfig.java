package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;

/**
 * Configuration of a {@link CondConv2d}.
 *
 * @param filters output channels, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param numExperts E, >= 1
 * @param useBias whether per-expert biases {@code condconv_bias [E, filters]} exist
 * @param activation applied last
 * @param strategy how the per-example convolution runs
 */
public record CondConv2dConfig(
    int filters, ConvGeometry geometry, int numExperts, boolean useBias, Activation activation,
    Strategy strategy) {
  public CondConv2dConfig {
    Check.positive("CondConv2dConfig", "filters", filters);
    Check.notNull("CondConv2dConfig", "geometry", geometry);
    Check.positive("CondConv2dConfig", "numExperts", numExperts);
    Check.notNull("CondConv2dConfig", "activation", activation);
    Check.notNull("CondConv2dConfig", "strategy", strategy);
  }

  /** With biases, no activation, strategy AUTO (Keras' and Google's layer defaults). */
  public static CondConv2dConfig of(int filters, ConvGeometry geometry, int numExperts) {
    return new CondConv2dConfig(filters, geometry, numExperts, true, Activation.NONE, Strategy.AUTO);
  }

  public CondConv2dConfig withBias(boolean bias) {
    return new CondConv2dConfig(filters, geometry, numExperts, bias, activation, strategy);
  }

  public CondConv2dConfig withActivation(Activation act) {
    return new CondConv2dConfig(filters, geometry, numExperts, useBias, act, strategy);
  }

  public CondConv2dConfig withStrategy(Strategy s) {
    return new CondConv2dConfig(filters, geometry, numExperts, useBias, activation, s);
  }
}

package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;

/**
 * Configuration of a {@link DepthwiseCondConv2d}.
 *
 * @param multiplier M, kernels per input channel, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param numExperts E, >= 1
 * @param useBias whether per-expert biases {@code condconv_bias [E, C*M]} exist
 * @param activation applied last
 * @param strategy how the per-example convolution runs
 */
public record DepthwiseCondConv2dConfig(
    int multiplier, ConvGeometry geometry, int numExperts, boolean useBias, Activation activation,
    Strategy strategy) {
  public DepthwiseCondConv2dConfig {
    Check.positive("DepthwiseCondConv2dConfig", "multiplier", multiplier);
    Check.notNull("DepthwiseCondConv2dConfig", "geometry", geometry);
    Check.positive("DepthwiseCondConv2dConfig", "numExperts", numExperts);
    Check.notNull("DepthwiseCondConv2dConfig", "activation", activation);
    Check.notNull("DepthwiseCondConv2dConfig", "strategy", strategy);
  }

  /** Multiplier 1, with biases, no activation, strategy AUTO. */
  public static DepthwiseCondConv2dConfig of(ConvGeometry geometry, int numExperts) {
    return new DepthwiseCondConv2dConfig(1, geometry, numExperts, true, Activation.NONE,
        Strategy.AUTO);
  }

  public DepthwiseCondConv2dConfig withMultiplier(int m) {
    return new DepthwiseCondConv2dConfig(m, geometry, numExperts, useBias, activation, strategy);
  }

  public DepthwiseCondConv2dConfig withBias(boolean bias) {
    return new DepthwiseCondConv2dConfig(multiplier, geometry, numExperts, bias, activation, strategy);
  }

  public DepthwiseCondConv2dConfig withActivation(Activation act) {
    return new DepthwiseCondConv2dConfig(multiplier, geometry, numExperts, useBias, act, strategy);
  }

  public DepthwiseCondConv2dConfig withStrategy(Strategy s) {
    return new DepthwiseCondConv2dConfig(multiplier, geometry, numExperts, useBias, activation, s);
  }
}

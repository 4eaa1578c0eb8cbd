package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.SoftmaxRoutingConfig;

/**
 * Configuration of a {@link DepthwiseDynamicConv2d}.
 *
 * @param multiplier M, kernels per input channel, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param routing K and the attention MLP's width (ratio 4 and at least 4 hidden units by default)
 * @param temperature default of the layer's own temperature input
 * @param useBias whether per-kernel biases {@code dynamic_bias [K, C*M]} exist
 * @param activation applied last
 * @param strategy how the per-example convolution runs
 */
public record DepthwiseDynamicConv2dConfig(int multiplier, ConvGeometry geometry,
    SoftmaxRoutingConfig routing, float temperature, boolean useBias, Activation activation,
    Strategy strategy) {
  private static final String C = "DepthwiseDynamicConv2dConfig";

  public DepthwiseDynamicConv2dConfig {
    Check.positive(C, "multiplier", multiplier);
    Check.notNull(C, "geometry", geometry);
    Check.notNull(C, "routing", routing);
    Check.positiveFinite(C, "temperature", temperature);
    Check.notNull(C, "activation", activation);
    Check.notNull(C, "strategy", strategy);
    if (strategy == Strategy.TAPS) {
      throw Check.invalid(C, "strategy", strategy, "AUTO or a per-example strategy (TAPS applies to"
          + " ODConv with one kernel)");
    }
  }

  /** Multiplier 1, K kernels, attention ratio 4, temperature 1, with biases, no activation, AUTO. */
  public static DepthwiseDynamicConv2dConfig of(ConvGeometry geometry, int numKernels) {
    return new DepthwiseDynamicConv2dConfig(1, geometry, SoftmaxRoutingConfig.of(numKernels), 1f,
        true, Activation.NONE, Strategy.AUTO);
  }

  public int numKernels() {
    return routing.numKernels();
  }

  public DepthwiseDynamicConv2dConfig withMultiplier(int m) {
    return new DepthwiseDynamicConv2dConfig(m, geometry, routing, temperature, useBias, activation,
        strategy);
  }

  public DepthwiseDynamicConv2dConfig withBias(boolean bias) {
    return new DepthwiseDynamicConv2dConfig(multiplier, geometry, routing, temperature, bias,
        activation, strategy);
  }

  public DepthwiseDynamicConv2dConfig withStrategy(Strategy s) {
    return new DepthwiseDynamicConv2dConfig(multiplier, geometry, routing, temperature, useBias,
        activation, s);
  }

  public DepthwiseDynamicConv2dConfig withRouting(SoftmaxRoutingConfig r) {
    return new DepthwiseDynamicConv2dConfig(multiplier, geometry, r, temperature, useBias,
        activation, strategy);
  }
}

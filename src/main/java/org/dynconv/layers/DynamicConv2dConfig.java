package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.SoftmaxRoutingConfig;

/**
 * Configuration of a {@link DynamicConv2d}.
 *
 * @param filters output channels, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param routing K and the attention MLP's width (ratio 4 and at least 4 hidden units by default)
 * @param temperature default of the layer's own temperature input (used when nothing is fed)
 * @param useBias whether per-kernel biases {@code dynamic_bias [K, filters]} exist
 * @param activation applied last (the paper puts BatchNorm and the activation after the layer)
 * @param strategy how the per-example convolution runs
 */
public record DynamicConv2dConfig(
    int filters, ConvGeometry geometry, SoftmaxRoutingConfig routing, float temperature,
    boolean useBias, Activation activation, Strategy strategy) {
  public DynamicConv2dConfig {
    Check.positive("DynamicConv2dConfig", "filters", filters);
    Check.notNull("DynamicConv2dConfig", "geometry", geometry);
    Check.notNull("DynamicConv2dConfig", "routing", routing);
    Check.positiveFinite("DynamicConv2dConfig", "temperature", temperature);
    Check.notNull("DynamicConv2dConfig", "activation", activation);
    Check.notNull("DynamicConv2dConfig", "strategy", strategy);
  }

  /** K kernels, attention ratio 4, temperature 1, with biases, no activation, AUTO. */
  public static DynamicConv2dConfig of(int filters, ConvGeometry geometry, int numKernels) {
    return new DynamicConv2dConfig(filters, geometry, SoftmaxRoutingConfig.of(numKernels), 1f, true,
        Activation.NONE, Strategy.AUTO);
  }

  public int numKernels() {
    return routing.numKernels();
  }

  public DynamicConv2dConfig withRouting(SoftmaxRoutingConfig r) {
    return new DynamicConv2dConfig(filters, geometry, r, temperature, useBias, activation, strategy);
  }

  public DynamicConv2dConfig withTemperature(float t) {
    return new DynamicConv2dConfig(filters, geometry, routing, t, useBias, activation, strategy);
  }

  public DynamicConv2dConfig withBias(boolean bias) {
    return new DynamicConv2dConfig(filters, geometry, routing, temperature, bias, activation, strategy);
  }

  public DynamicConv2dConfig withActivation(Activation act) {
    return new DynamicConv2dConfig(filters, geometry, routing, temperature, useBias, act, strategy);
  }

  public DynamicConv2dConfig withStrategy(Strategy s) {
    return new DynamicConv2dConfig(filters, geometry, routing, temperature, useBias, activation, s);
  }
}

package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.SoftmaxRoutingConfig;

/**
 * Configuration of a {@link DynamicConv2d}, regular ({@link #of}) or depthwise ({@link
 * #depthwise}; the DY-MobileNet ports make every block convolution dynamic, the depthwise one
 * included).
 *
 * @param kind REGULAR or DEPTHWISE
 * @param outputs the last axis of each kernel: the filters (REGULAR) or the depth multiplier M
 *     (DEPTHWISE, output channels C*M), >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param routing K and the attention MLP's width (ratio 4 and at least 4 hidden units by default)
 * @param temperature default of the layer's own temperature input (used when nothing is fed)
 * @param useBias whether per-kernel biases {@code dynamic_bias [K, output channels]} exist
 * @param activation applied last (the paper puts BatchNorm and the activation after the layer)
 * @param strategy how the per-example convolution runs
 */
public record DynamicConv2dConfig(ConvKind kind, int outputs, ConvGeometry geometry,
    SoftmaxRoutingConfig routing, float temperature, boolean useBias, Activation activation,
    Strategy strategy) {
  private static final String C = "DynamicConv2dConfig";

  public DynamicConv2dConfig {
    Check.notNull(C, "kind", kind);
    Check.positive(C, "outputs", outputs);
    Check.notNull(C, "geometry", geometry);
    Check.notNull(C, "routing", routing);
    Check.positiveFinite(C, "temperature", temperature);
    Check.notNull(C, "activation", activation);
    Check.notNull(C, "strategy", strategy);
  }

  /** K kernels, attention ratio 4, temperature 1, with biases, no activation, AUTO. */
  public static DynamicConv2dConfig of(int filters, ConvGeometry geometry, int numKernels) {
    Check.positive(C, "filters", filters); // named as the caller wrote it
    return new DynamicConv2dConfig(ConvKind.REGULAR, filters, geometry,
        SoftmaxRoutingConfig.of(numKernels), 1f, true, Activation.NONE, Strategy.AUTO);
  }

  /** A depthwise layer with multiplier 1 and otherwise {@link #of}'s defaults. */
  public static DynamicConv2dConfig depthwise(ConvGeometry geometry, int numKernels) {
    return new DynamicConv2dConfig(ConvKind.DEPTHWISE, 1, geometry,
        SoftmaxRoutingConfig.of(numKernels), 1f, true, Activation.NONE, Strategy.AUTO);
  }

  public int numKernels() {
    return routing.numKernels();
  }

  /** The depth multiplier M of a depthwise config. */
  public DynamicConv2dConfig withMultiplier(int m) {
    kind.requireDepthwise(C, m);
    return new DynamicConv2dConfig(kind, m, geometry, routing, temperature, useBias, activation,
        strategy);
  }

  public DynamicConv2dConfig withRouting(SoftmaxRoutingConfig r) {
    return new DynamicConv2dConfig(kind, outputs, geometry, r, temperature, useBias, activation,
        strategy);
  }

  public DynamicConv2dConfig withTemperature(float t) {
    return new DynamicConv2dConfig(kind, outputs, geometry, routing, t, useBias, activation,
        strategy);
  }

  public DynamicConv2dConfig withBias(boolean bias) {
    return new DynamicConv2dConfig(kind, outputs, geometry, routing, temperature, bias, activation,
        strategy);
  }

  public DynamicConv2dConfig withActivation(Activation act) {
    return new DynamicConv2dConfig(kind, outputs, geometry, routing, temperature, useBias, act,
        strategy);
  }

  public DynamicConv2dConfig withStrategy(Strategy s) {
    return new DynamicConv2dConfig(kind, outputs, geometry, routing, temperature, useBias,
        activation, s);
  }
}

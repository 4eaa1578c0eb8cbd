package org.dynconv.layers;

import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.OdAttentionConfig;

/**
 * Configuration of a {@link DepthwiseOdConv2d}.
 *
 * @param multiplier M, >= 1: C*M output channels; with M = 1 the layer has no filter attention
 *     (the official code skips it when C == groups == O)
 * @param geometry kernel, strides, dilation, padding
 * @param numKernels n, >= 1
 * @param attention the attention trunk's width rule
 * @param temperature default of the layer's own temperature input
 * @param strategy AUTO; TAPS (n = 1 with a k x k kernel); or a per-example strategy
 */
public record DepthwiseOdConv2dConfig(int multiplier, ConvGeometry geometry, int numKernels,
    OdAttentionConfig attention, float temperature, Strategy strategy) {
  private static final String C = "DepthwiseOdConv2dConfig";

  public DepthwiseOdConv2dConfig {
    Check.positive(C, "multiplier", multiplier);
    Check.notNull(C, "geometry", geometry);
    Check.inRange(C, "numKernels", numKernels, 1, 64);
    Check.notNull(C, "attention", attention);
    Check.positiveFinite(C, "temperature", temperature);
    Check.notNull(C, "strategy", strategy);
    OdCore.checkStrategy(C, strategy, geometry, numKernels);
  }

  /** Multiplier 1, n kernels, the official attention, temperature 1, AUTO. */
  public static DepthwiseOdConv2dConfig of(ConvGeometry geometry, int numKernels) {
    return new DepthwiseOdConv2dConfig(1, geometry, numKernels, OdAttentionConfig.defaults(), 1f,
        Strategy.AUTO);
  }

  public DepthwiseOdConv2dConfig withMultiplier(int m) {
    return new DepthwiseOdConv2dConfig(m, geometry, numKernels, attention, temperature, strategy);
  }

  public DepthwiseOdConv2dConfig withTemperature(float t) {
    return new DepthwiseOdConv2dConfig(multiplier, geometry, numKernels, attention, t, strategy);
  }

  public DepthwiseOdConv2dConfig withStrategy(Strategy s) {
    return new DepthwiseOdConv2dConfig(multiplier, geometry, numKernels, attention, temperature, s);
  }

  public DepthwiseOdConv2dConfig withAttention(OdAttentionConfig a) {
    return new DepthwiseOdConv2dConfig(multiplier, geometry, numKernels, a, temperature, strategy);
  }
}

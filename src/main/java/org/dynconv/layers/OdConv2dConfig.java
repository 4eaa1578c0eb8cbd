package org.dynconv.layers;

import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.OdAttentionConfig;

/**
 * Configuration of an {@link OdConv2d}.
 *
 * @param filters output channels O, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param numKernels n, >= 1 ("ODConv 1x" is n = 1, "4x" is n = 4)
 * @param attention the attention trunk's width rule
 * @param temperature default of the layer's own temperature input (used when nothing is fed)
 * @param strategy AUTO; TAPS (n = 1 with a k x k kernel: no per-example kernel); or a per-example
 *     strategy for the kernel {@code spatial * sum_i kernel_i W_i}
 */
public record OdConv2dConfig(int filters, ConvGeometry geometry, int numKernels,
    OdAttentionConfig attention, float temperature, Strategy strategy) {
  private static final String C = "OdConv2dConfig";

  public OdConv2dConfig {
    Check.positive(C, "filters", filters);
    Check.notNull(C, "geometry", geometry);
    Check.inRange(C, "numKernels", numKernels, 1, 64);
    Check.notNull(C, "attention", attention);
    Check.positiveFinite(C, "temperature", temperature);
    Check.notNull(C, "strategy", strategy);
    OdCore.checkStrategy(C, strategy, geometry, numKernels);
  }

  /** n kernels, the official attention (reduction 1/16, at least 16 channels), temperature 1, AUTO. */
  public static OdConv2dConfig of(int filters, ConvGeometry geometry, int numKernels) {
    return new OdConv2dConfig(filters, geometry, numKernels, OdAttentionConfig.defaults(), 1f,
        Strategy.AUTO);
  }

  public OdConv2dConfig withAttention(OdAttentionConfig a) {
    return new OdConv2dConfig(filters, geometry, numKernels, a, temperature, strategy);
  }

  public OdConv2dConfig withTemperature(float t) {
    return new OdConv2dConfig(filters, geometry, numKernels, attention, t, strategy);
  }

  public OdConv2dConfig withStrategy(Strategy s) {
    return new OdConv2dConfig(filters, geometry, numKernels, attention, temperature, s);
  }
}

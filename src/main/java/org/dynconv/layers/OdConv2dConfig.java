package org.dynconv.layers;

import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.routing.OdAttentionConfig;

/**
 * Configuration of an {@link OdConv2d}, regular ({@link #of}) or depthwise ({@link #depthwise};
 * the official MobileNetV2 uses it, M = 1, for every depthwise convolution).
 *
 * @param kind REGULAR or DEPTHWISE
 * @param outputs the last axis of each kernel: the filters O (REGULAR) or the depth multiplier M
 *     (DEPTHWISE, output channels C*M; with M = 1 the layer has no filter attention, as the
 *     official code skips it when C == groups == O), >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param numKernels n, >= 1 ("ODConv 1x" is n = 1, "4x" is n = 4)
 * @param attention the attention trunk's width rule
 * @param temperature default of the layer's own temperature input (used when nothing is fed)
 * @param strategy AUTO; TAPS (n = 1 with a k x k kernel: no per-example kernel); or a per-example
 *     strategy for the kernel {@code spatial * sum_i kernel_i W_i}
 */
public record OdConv2dConfig(ConvKind kind, int outputs, ConvGeometry geometry, int numKernels,
    OdAttentionConfig attention, float temperature, Strategy strategy) {
  private static final String C = "OdConv2dConfig";

  public OdConv2dConfig {
    Check.notNull(C, "kind", kind);
    Check.positive(C, "outputs", outputs);
    Check.notNull(C, "geometry", geometry);
    Check.inRange(C, "numKernels", numKernels, 1, 64);
    Check.notNull(C, "attention", attention);
    Check.positiveFinite(C, "temperature", temperature);
    Check.notNull(C, "strategy", strategy);
    OdCore.checkStrategy(C, strategy, geometry, numKernels);
  }

  /** n kernels, the official attention (reduction 1/16, at least 16 channels), temperature 1, AUTO. */
  public static OdConv2dConfig of(int filters, ConvGeometry geometry, int numKernels) {
    Check.positive(C, "filters", filters); // named as the caller wrote it
    return new OdConv2dConfig(ConvKind.REGULAR, filters, geometry, numKernels,
        OdAttentionConfig.defaults(), 1f, Strategy.AUTO);
  }

  /** A depthwise layer with multiplier 1 and otherwise {@link #of}'s defaults. */
  public static OdConv2dConfig depthwise(ConvGeometry geometry, int numKernels) {
    return new OdConv2dConfig(ConvKind.DEPTHWISE, 1, geometry, numKernels,
        OdAttentionConfig.defaults(), 1f, Strategy.AUTO);
  }

  /** The depth multiplier M of a depthwise config. */
  public OdConv2dConfig withMultiplier(int m) {
    kind.requireDepthwise(C, m);
    return new OdConv2dConfig(kind, m, geometry, numKernels, attention, temperature, strategy);
  }

  public OdConv2dConfig withAttention(OdAttentionConfig a) {
    return new OdConv2dConfig(kind, outputs, geometry, numKernels, a, temperature, strategy);
  }

  public OdConv2dConfig withTemperature(float t) {
    return new OdConv2dConfig(kind, outputs, geometry, numKernels, attention, t, strategy);
  }

  public OdConv2dConfig withStrategy(Strategy s) {
    return new OdConv2dConfig(kind, outputs, geometry, numKernels, attention, temperature, s);
  }
}

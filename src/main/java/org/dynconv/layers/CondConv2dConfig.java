package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;

/**
 * Configuration of a {@link CondConv2d}, regular ({@link #of}) or depthwise ({@link #depthwise}).
 *
 * @param kind REGULAR or DEPTHWISE
 * @param outputs the last axis of each expert's HWIO kernel: the filters (REGULAR) or the depth
 *     multiplier M (DEPTHWISE, output channels C*M), >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param numExperts E, >= 1
 * @param useBias whether per-expert biases {@code condconv_bias [E, output channels]} exist
 * @param activation applied last
 * @param strategy how the per-example convolution runs
 */
public record CondConv2dConfig(ConvKind kind, int outputs, ConvGeometry geometry, int numExperts,
    boolean useBias, Activation activation, Strategy strategy) {
  private static final String C = "CondConv2dConfig";

  public CondConv2dConfig {
    Check.notNull(C, "kind", kind);
    Check.positive(C, "outputs", outputs);
    Check.notNull(C, "geometry", geometry);
    Check.positive(C, "numExperts", numExperts);
    Check.notNull(C, "activation", activation);
    Check.notNull(C, "strategy", strategy);
  }

  /** A regular layer with biases, no activation, strategy AUTO (Keras' and Google's defaults). */
  public static CondConv2dConfig of(int filters, ConvGeometry geometry, int numExperts) {
    Check.positive(C, "filters", filters); // named as the caller wrote it
    return new CondConv2dConfig(ConvKind.REGULAR, filters, geometry, numExperts, true,
        Activation.NONE, Strategy.AUTO);
  }

  /** A depthwise layer, multiplier 1, with biases, no activation, strategy AUTO. */
  public static CondConv2dConfig depthwise(ConvGeometry geometry, int numExperts) {
    return new CondConv2dConfig(ConvKind.DEPTHWISE, 1, geometry, numExperts, true,
        Activation.NONE, Strategy.AUTO);
  }

  /** The depth multiplier M of a depthwise config. */
  public CondConv2dConfig withMultiplier(int m) {
    kind.requireDepthwise(C, m);
    return new CondConv2dConfig(kind, m, geometry, numExperts, useBias, activation, strategy);
  }

  public CondConv2dConfig withBias(boolean bias) {
    return new CondConv2dConfig(kind, outputs, geometry, numExperts, bias, activation, strategy);
  }

  public CondConv2dConfig withActivation(Activation act) {
    return new CondConv2dConfig(kind, outputs, geometry, numExperts, useBias, act, strategy);
  }

  public CondConv2dConfig withStrategy(Strategy s) {
    return new CondConv2dConfig(kind, outputs, geometry, numExperts, useBias, activation, s);
  }
}

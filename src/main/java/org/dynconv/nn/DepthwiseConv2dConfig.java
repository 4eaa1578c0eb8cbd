package org.dynconv.nn;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;

/**
 * A static depthwise convolution: each input channel c is convolved with its own {@code M}
 * kernels, {@code K [kh,kw,C,M]}, giving {@code C*M} channels ordered {@code c*M + m}.
 *
 * @param multiplier M, >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param useBias whether {@code b [C*M]} exists
 * @param activation applied last
 */
public record DepthwiseConv2dConfig(
    int multiplier, ConvGeometry geometry, boolean useBias, Activation activation) {
  public DepthwiseConv2dConfig {
    Check.positive("DepthwiseConv2dConfig", "multiplier", multiplier);
    Check.notNull("DepthwiseConv2dConfig", "geometry", geometry);
    Check.notNull("DepthwiseConv2dConfig", "activation", activation);
  }

  /** Multiplier 1, with a bias and no activation. */
  public static DepthwiseConv2dConfig of(ConvGeometry geometry) {
    return new DepthwiseConv2dConfig(1, geometry, true, Activation.NONE);
  }

  public DepthwiseConv2dConfig withBias(boolean bias) {
    return new DepthwiseConv2dConfig(multiplier, geometry, bias, activation);
  }

  public DepthwiseConv2dConfig withActivation(Activation act) {
    return new DepthwiseConv2dConfig(multiplier, geometry, useBias, act);
  }
}

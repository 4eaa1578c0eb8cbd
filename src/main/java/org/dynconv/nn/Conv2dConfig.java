package org.dynconv.nn;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;

/**
 * A static 2-D convolution, regular ({@link #of}: {@code y = act(conv(x, K) + b)}, {@code K
 * [kh,kw,Cin,filters]}) or depthwise ({@link #depthwise}: each input channel c convolved with its
 * own M kernels, {@code K [kh,kw,C,M]}, giving {@code C*M} channels ordered {@code c*M + m}).
 *
 * @param kind REGULAR or DEPTHWISE
 * @param outputs the kernel's last axis: filters (REGULAR) or the depth multiplier M (DEPTHWISE),
 *     >= 1
 * @param geometry kernel, strides, dilation, padding
 * @param useBias whether {@code b [output channels]} exists
 * @param activation applied last
 */
public record Conv2dConfig(
    ConvKind kind, int outputs, ConvGeometry geometry, boolean useBias, Activation activation) {
  private static final String C = "Conv2dConfig";

  public Conv2dConfig {
    Check.notNull(C, "kind", kind);
    Check.positive(C, "outputs", outputs);
    Check.notNull(C, "geometry", geometry);
    Check.notNull(C, "activation", activation);
  }

  /** A regular convolution with a bias and no activation. */
  public static Conv2dConfig of(int filters, ConvGeometry geometry) {
    Check.positive(C, "filters", filters); // named as the caller wrote it
    return new Conv2dConfig(ConvKind.REGULAR, filters, geometry, true, Activation.NONE);
  }

  /** A depthwise convolution, multiplier 1, with a bias and no activation. */
  public static Conv2dConfig depthwise(ConvGeometry geometry) {
    return new Conv2dConfig(ConvKind.DEPTHWISE, 1, geometry, true, Activation.NONE);
  }

  /** The depth multiplier M of a depthwise config. */
  public Conv2dConfig withMultiplier(int m) {
    kind.requireDepthwise(C, m);
    return new Conv2dConfig(kind, m, geometry, useBias, activation);
  }

  public Conv2dConfig withBias(boolean bias) {
    return new Conv2dConfig(kind, outputs, geometry, bias, activation);
  }

  public Conv2dConfig withActivation(Activation act) {
    return new Conv2dConfig(kind, outputs, geometry, useBias, act);
  }
}

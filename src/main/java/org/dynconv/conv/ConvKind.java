package org.dynconv.conv;

import org.dynconv.config.Check;

/**
 * Which convolution a layer computes: the regular and depthwise forms of every layer share one
 * implementation and differ only in what the last axis of the HWIO kernel means, its {@code
 * outputs}: the filters of a regular convolution, the depth multiplier M of a depthwise one.
 */
public enum ConvKind {
  /** Every output channel sees every input channel; kernel {@code [kh,kw,Cin,Cout]}. */
  REGULAR,
  /** Channel c only sees input channel c; kernel {@code [kh,kw,C,M]}, output {@code C*M}. */
  DEPTHWISE;

  /**
   * Output channels for {@code inChannels} inputs: {@code outputs} (REGULAR) or {@code
   * inChannels * outputs} (DEPTHWISE, channel {@code c*M + m}).
   */
  public int outChannels(int inChannels, int outputs) {
    return this == REGULAR ? outputs : Math.multiplyExact(inChannels, outputs);
  }

  /** A layer's class-style name: {@code CondConv2d} or {@code DepthwiseCondConv2d}. */
  public String layerName(String regular) {
    return this == REGULAR ? regular : "Depthwise" + regular;
  }

  /** A Keras-style scope name: {@code cond_conv2d} or {@code depthwise_cond_conv2d}. */
  public String scopeName(String regular) {
    return this == REGULAR ? regular : "depthwise_" + regular;
  }

  /**
   * Checks that a config's {@code withMultiplier} is called on a depthwise config.
   *
   * @param component the config type, for the message
   */
  public void requireDepthwise(String component, int multiplier) {
    Check.positive(component, "multiplier", multiplier);
    if (this != DEPTHWISE) {
      throw Check.invalid(component, "multiplier", multiplier, "a depthwise config (the kind is "
          + this + "; make one with " + component + ".depthwise(...)), or a filter count in of(...)");
    }
  }
}

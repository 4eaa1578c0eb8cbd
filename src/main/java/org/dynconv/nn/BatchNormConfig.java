package org.dynconv.nn;

import org.dynconv.config.Check;

/**
 * BatchNorm over the channel axis of NHWC input.
 *
 * @param momentum moving-average momentum in [0, 1): {@code moving = momentum * moving + (1 -
 *     momentum) * batch}; Google's EfficientNet uses 0.99
 * @param epsilon added to the variance, > 0; Google uses 1e-3
 */
public record BatchNormConfig(double momentum, double epsilon) {
  public BatchNormConfig {
    Check.inHalfOpen("BatchNormConfig", "momentum", momentum, 0, 1);
    Check.positiveFinite("BatchNormConfig", "epsilon", epsilon);
  }

  /** Google's EfficientNet settings: momentum 0.99, epsilon 1e-3. */
  public static BatchNormConfig google() {
    return new BatchNormConfig(0.99, 1e-3);
  }
}

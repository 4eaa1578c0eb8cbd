package org.dynconv.routing;

import org.dynconv.config.Check;

/**
 * DynamicConv attention (Chen et al. 2020): pool, FC to {@code hidden = max(minHidden, C /
 * reductionRatio)}, ReLU, FC to K, then {@code softmax(z / temperature)}.
 *
 * @param numKernels K, >= 1
 * @param reductionRatio C / hidden, >= 1 (4 in the paper)
 * @param minHidden lower bound on the hidden width, >= 1
 */
public record SoftmaxRoutingConfig(int numKernels, int reductionRatio, int minHidden) {
  public SoftmaxRoutingConfig {
    Check.positive("SoftmaxRoutingConfig", "numKernels", numKernels);
    Check.positive("SoftmaxRoutingConfig", "reductionRatio", reductionRatio);
    Check.positive("SoftmaxRoutingConfig", "minHidden", minHidden);
  }

  /** Ratio 4, at least 4 hidden units. */
  public static SoftmaxRoutingConfig of(int numKernels) {
    return new SoftmaxRoutingConfig(numKernels, 4, 4);
  }

  /** The hidden width for {@code inChannels} input channels. */
  public int hidden(int inChannels) {
    return Math.max(minHidden, inChannels / reductionRatio);
  }
}

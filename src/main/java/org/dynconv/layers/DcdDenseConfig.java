package org.dynconv.layers;

import org.dynconv.config.Check;
import org.dynconv.nn.BatchNormConfig;

/**
 * Configuration of a {@link DcdDense}.
 *
 * @param units outputs, >= 1
 * @param latent L, 1..256 (32 in the official classifier)
 * @param squeeze S, >= 1 (32 in the official classifier)
 * @param batchNorm the two BatchNorms of the latent path
 */
public record DcdDenseConfig(int units, int latent, int squeeze, BatchNormConfig batchNorm) {
  public DcdDenseConfig {
    Check.positive("DcdDenseConfig", "units", units);
    Check.inRange("DcdDenseConfig", "latent", latent, 1, DcdConv2dConfig.MAX_LATENT);
    Check.positive("DcdDenseConfig", "squeeze", squeeze);
    Check.notNull("DcdDenseConfig", "batchNorm", batchNorm);
  }

  /** The official classifier's sizes: L = 32, S = 32, PyTorch's BatchNorm defaults. */
  public static DcdDenseConfig of(int units) {
    return new DcdDenseConfig(units, 32, 32, DcdConv2dConfig.pytorchBatchNorm());
  }

  public DcdDenseConfig withBatchNorm(BatchNormConfig bn) {
    return new DcdDenseConfig(units, latent, squeeze, bn);
  }
}

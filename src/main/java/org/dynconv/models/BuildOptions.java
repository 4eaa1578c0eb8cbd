package org.dynconv.models;

import org.dynconv.config.Check;
import org.dynconv.graph.Mode;

/**
 * How a model is built into a graph.
 *
 * @param mode TRAIN or INFER
 * @param batch static batch size, or -1 for unknown
 * @param foldBatchNorm INFER only: every BatchNorm after a convolution becomes a bias and its scale
 *     is expected in the convolution's kernel (see {@link org.dynconv.nn.BatchNormFold})
 */
public record BuildOptions(Mode mode, long batch, boolean foldBatchNorm) {
  public BuildOptions {
    Check.notNull("BuildOptions", "mode", mode);
    if (batch == 0 || batch < -1) {
      throw Check.invalid("BuildOptions", "batch", batch, "-1 (unknown) or a size >= 1");
    }
    if (foldBatchNorm && mode.training()) {
      throw new IllegalArgumentException("BuildOptions: foldBatchNorm=true needs mode=INFER;"
          + " received mode=TRAIN.");
    }
  }

  public static BuildOptions of(Mode mode) {
    return new BuildOptions(mode, -1, false);
  }
}

package org.dynconv.models;

import org.dynconv.config.Check;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;

/**
 * How a model is built into a graph.
 *
 * @param mode TRAIN or INFER
 * @param batch static batch size, or -1 for unknown
 * @param foldBatchNorm INFER only: every BatchNorm after a convolution becomes a bias and its scale
 *     is expected in the convolution's kernel (see {@link org.dynconv.nn.BatchNormFold})
 * @param bankPrecision the type expert banks are stored and mixed in; half-width types INFER only
 *     (see {@link org.dynconv.mixing.ExpertBank})
 */
public record BuildOptions(Mode mode, long batch, boolean foldBatchNorm,
    BankPrecision bankPrecision) {
  public BuildOptions {
    Check.notNull("BuildOptions", "mode", mode);
    Check.notNull("BuildOptions", "bankPrecision", bankPrecision);
    if (batch == 0 || batch < -1) {
      throw Check.invalid("BuildOptions", "batch", batch, "-1 (unknown) or a size >= 1");
    }
    if (foldBatchNorm && mode.training()) {
      throw new IllegalArgumentException("BuildOptions: foldBatchNorm=true needs mode=INFER;"
          + " received mode=TRAIN.");
    }
    if (bankPrecision.halfWidth() && mode.training()) {
      throw new IllegalArgumentException("BuildOptions: bankPrecision=" + bankPrecision.label()
          + " needs mode=INFER (half-width banks cannot be trained); received mode=TRAIN.");
    }
  }

  /** With float32 expert banks. */
  public BuildOptions(Mode mode, long batch, boolean foldBatchNorm) {
    this(mode, batch, foldBatchNorm, BankPrecision.FLOAT32);
  }

  public static BuildOptions of(Mode mode) {
    return new BuildOptions(mode, -1, false);
  }

  /** The same options with another static batch (-1: unknown). */
  public BuildOptions withBatch(long newBatch) {
    return new BuildOptions(mode, newBatch, foldBatchNorm, bankPrecision);
  }

  /** {@code root} set up for these options: the scope every model's build starts from. */
  public LayerScope scope(LayerScope root) {
    return root.withBankPrecision(bankPrecision);
  }
}

package org.dynconv.models;

import org.dynconv.config.Check;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.BatchRows;
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
 * @param rows which rows of a step's global batch this graph computes (a data-parallel worker's
 *     slice), for random per-example draws; {@link BatchRows#WHOLE} in one process
 */
public record BuildOptions(Mode mode, long batch, boolean foldBatchNorm,
    BankPrecision bankPrecision, BatchRows rows) {
  public BuildOptions {
    Check.notNull("BuildOptions", "mode", mode);
    Check.notNull("BuildOptions", "bankPrecision", bankPrecision);
    Check.notNull("BuildOptions", "rows", rows);
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

  /** The whole global batch. */
  public BuildOptions(Mode mode, long batch, boolean foldBatchNorm, BankPrecision bankPrecision) {
    this(mode, batch, foldBatchNorm, bankPrecision, BatchRows.WHOLE);
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
    return new BuildOptions(mode, newBatch, foldBatchNorm, bankPrecision, rows);
  }

  /** The same options for {@code r} of the global batch. */
  public BuildOptions withRows(BatchRows r) {
    return new BuildOptions(mode, batch, foldBatchNorm, bankPrecision, r);
  }

  /** {@code root} set up for these options: the scope every model's build starts from. */
  public LayerScope scope(LayerScope root) {
    return root.withBankPrecision(bankPrecision);
  }
}

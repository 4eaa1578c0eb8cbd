package org.dynconv.nn;

import org.dynconv.config.Check;
import org.dynconv.graph.BatchRows;
import org.dynconv.graph.Mode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Inverted dropout with a stateless random mask: {@code y = x * (u >= rate) / (1 - rate)}, {@code
 * u ~ U[0,1)} drawn from a seed fed every step, so a run is reproducible and a resumed run draws
 * the same masks an uninterrupted one would. Identity in INFER.
 */
public final class Dropout {
  private Dropout() {}

  /**
   * @param stepSeed a {@code [2]} int64 seed fed per training step
   * @param salt distinguishes the masks of different dropout layers in one step
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, double rate,
      Operand<TInt64> stepSeed, long salt, Mode mode) {
    return apply(tf, x, rate, stepSeed, salt, mode, BatchRows.WHOLE);
  }

  /**
   * As {@link #apply(Ops, Operand, double, Operand, long, Mode)} for {@code rows} of the step's
   * global batch: each example's mask depends on its place in the global batch, so data-parallel
   * workers draw the masks one process draws.
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, double rate,
      Operand<TInt64> stepSeed, long salt, Mode mode, BatchRows rows) {
    Check.inHalfOpen("Dropout", "rate", rate, 0, 1);
    if (!mode.training() || rate == 0) {
      return x;
    }
    Operand<TInt64> seed = tf.math.add(stepSeed, tf.constant(new long[] {0, salt}));
    return withMask(tf, x, rows.uniform(tf, tf.shape(x), seed), rate);
  }

  /** {@code x * (u >= rate) / (1 - rate)} for a draw {@code u ~ U[0,1)} of x's shape. */
  public static Operand<TFloat32> withMask(Ops tf, Operand<TFloat32> x, Operand<TFloat32> u,
      double rate) {
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(u, tf.constant((float) rate)),
        TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant((float) (1 / (1 - rate)))));
  }
}

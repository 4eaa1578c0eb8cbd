package org.dynconv.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Mean over height and width: {@code [B,H,W,C] -> [B,C]}. */
public final class GlobalAvgPool {
  private GlobalAvgPool() {}

  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    return tf.math.mean(x, tf.constant(new int[] {1, 2}));
  }
}

package org.dynconv.nn;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * PyTorch's {@code AdaptiveAvgPool2d(n)} in NHWC: bin i along an axis of length H averages rows
 * {@code floor(i*H/n)} to {@code ceil((i+1)*H/n) - 1}. On sizes not divisible by n the bins
 * overlap (7 rows in 2 bins: rows 0-3 and 3-6), which TensorFlow's AvgPool cannot express, so
 * each bin is a slice mean. {@code n = 1} is the global average pool.
 */
public final class AdaptiveAvgPool {
  private AdaptiveAvgPool() {}

  /** The first row of bin {@code i} of {@code n} over {@code size} rows. */
  public static int binStart(int i, int n, int size) {
    return Math.floorDiv(i * size, n);
  }

  /** One past the last row of bin {@code i} of {@code n} over {@code size} rows. */
  public static int binEnd(int i, int n, int size) {
    return -Math.floorDiv(-(i + 1) * size, n);
  }

  /**
   * {@code [B,H,W,C] -> [B,n,n,C]}, H, W, C static.
   *
   * @param bins n, >= 1 and at most min(H, W)
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int bins) {
    long[] s = x.shape().asArray();
    int h = (int) s[1], w = (int) s[2], c = (int) s[3];
    Check.inRange("AdaptiveAvgPool", "bins", bins, 1, Math.min(h, w));
    if (bins == 1) {
      return tf.math.mean(x, tf.constant(new int[] {1, 2}), Mean.keepDims(true));
    }
    List<Operand<TFloat32>> rows = new ArrayList<>();
    for (int i = 0; i < bins; i++) {
      List<Operand<TFloat32>> cols = new ArrayList<>();
      for (int j = 0; j < bins; j++) {
        int r0 = binStart(i, bins, h), r1 = binEnd(i, bins, h);
        int c0 = binStart(j, bins, w), c1 = binEnd(j, bins, w);
        // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
        Operand<TFloat32> cell = tf.slice(x, tf.constant(new int[] {0, r0, c0, 0}),
            tf.constant(new int[] {-1, r1 - r0, c1 - c0, c}));
        cols.add(tf.math.mean(cell, tf.constant(new int[] {1, 2}), Mean.keepDims(true)));
      }
      rows.add(tf.concat(cols, tf.constant(2)));
    }
    return tf.concat(rows, tf.constant(1));
  }

  /**
   * The pooled features flattened in PyTorch's order, {@code [B,H,W,C] -> [B, C*n*n]} with
   * feature {@code c*n*n + i*n + j}, so that a following dense layer has the official code's
   * weight layout.
   */
  public static Operand<TFloat32> flattenChannelsFirst(Ops tf, Operand<TFloat32> x, int bins) {
    long c = x.shape().size(3);
    Operand<TFloat32> pooled = apply(tf, x, bins);
    if (bins == 1) {
      return tf.reshape(pooled, tf.constant(new long[] {-1, c}));
    }
    Operand<TFloat32> chw = tf.linalg.transpose(pooled, tf.constant(new int[] {0, 3, 1, 2}));
    return tf.reshape(chw, tf.constant(new long[] {-1, c * bins * bins}));
  }
}

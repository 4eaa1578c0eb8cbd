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
   * weight layout. For {@code n = 2} the input is made even first (an odd axis of 2m+1 rows
   * becomes rows 0..m then m..2m, the two overlapping bins side by side), then one reshape and
   * one mean give the bins: a single pass over the input with a cheap gradient (per-bin slice
   * means read the input once per bin; an AvgPool with the bin as its window and a product with a
   * matrix of bin weights were measured slower here, the latter much slower to differentiate).
   */
  public static Operand<TFloat32> flattenChannelsFirst(Ops tf, Operand<TFloat32> x, int bins) {
    long[] s = x.shape().asArray();
    int h = (int) s[1], w = (int) s[2];
    long c = s[3];
    Check.inRange("AdaptiveAvgPool", "bins", bins, 1, Math.min(h, w));
    if (bins == 1) {
      return tf.math.mean(x, tf.constant(new int[] {1, 2}));
    }
    if (bins != 2) {
      return tf.reshape(tf.linalg.transpose(apply(tf, x, bins), tf.constant(new int[] {0, 3, 1, 2})),
          tf.constant(new long[] {-1, c * bins * bins}));
    }
    Operand<TFloat32> even = evenHalves(tf, evenHalves(tf, x, 1, h, w, c), 2, h + h % 2, w, c);
    int he = h + h % 2, we = w + w % 2;
    Operand<TFloat32> six = tf.reshape(even,
        tf.constant(new long[] {-1, 2, he / 2, 2, we / 2, c}));
    Operand<TFloat32> pooled = tf.math.mean(six, tf.constant(new int[] {2, 4}));
    return tf.reshape(tf.linalg.transpose(pooled, tf.constant(new int[] {0, 3, 1, 2})),
        tf.constant(new long[] {-1, c * 4}));
  }

  /** An odd axis of 2m+1 as rows 0..m followed by m..2m (2m+2 rows); an even axis unchanged. */
  private static Operand<TFloat32> evenHalves(Ops tf, Operand<TFloat32> x, int axis, int h, int w,
      long c) {
    int n = axis == 1 ? h : w;
    if (n % 2 == 0) {
      return x;
    }
    int m = n / 2;
    int[] size = axis == 1 ? new int[] {-1, m + 1, w, (int) c} : new int[] {-1, h, m + 1, (int) c};
    int[] second = axis == 1 ? new int[] {0, m, 0, 0} : new int[] {0, 0, m, 0};
    // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
    return tf.concat(List.of(tf.slice(x, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(size)),
        tf.slice(x, tf.constant(second), tf.constant(size))), tf.constant(axis));
  }
}

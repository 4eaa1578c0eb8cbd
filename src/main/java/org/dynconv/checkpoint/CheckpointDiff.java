package org.dynconv.checkpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;

/**
 * Two TF V2 checkpoints compared key by key: whether both hold the key with the same dtype and
 * shape and, where they do, the largest absolute difference of the values. float32 tensors are
 * compared element by element (NaN against NaN counts as equal, NaN against a number as an
 * infinite difference); any other dtype compares its stored bytes, 0 when equal and infinity when
 * not. This is how a distributed run is checked against a single-process one, or a resumed run
 * against an uninterrupted one.
 */
public final class CheckpointDiff {
  private CheckpointDiff() {}

  /** How a key's two entries relate. */
  public enum Status {
    /** Same dtype and shape in both: {@code maxAbsDiff} holds the difference. */
    SAME_LAYOUT,
    ONLY_IN_A,
    ONLY_IN_B,
    DTYPE_DIFFERS,
    SHAPE_DIFFERS
  }

  /**
   * One key: its status, its dtype and shape in each checkpoint ("-" where absent), and the
   * largest absolute difference (NaN unless {@link Status#SAME_LAYOUT}).
   */
  public record Row(String key, Status status, String a, String b, double maxAbsDiff) {
    /** Same layout, and values within {@code tolerance}. */
    public boolean agrees(double tolerance) {
      return status == Status.SAME_LAYOUT && maxAbsDiff <= tolerance;
    }
  }

  /** Every key of either checkpoint, sorted by name. */
  public record Result(List<Row> rows) {
    public Result {
      rows = List.copyOf(rows);
    }

    /** Names, dtypes and shapes agree and every value is within {@code tolerance}. */
    public boolean agrees(double tolerance) {
      return rows.stream().allMatch(r -> r.agrees(tolerance));
    }

    /** Keys whose name, dtype or shape differ. */
    public List<Row> layoutDifferences() {
      return rows.stream().filter(r -> r.status() != Status.SAME_LAYOUT).toList();
    }

    /** The comparable key with the largest difference, or null when there is none. */
    public Row largest() {
      Row best = null;
      for (Row r : rows) {
        if (r.status() == Status.SAME_LAYOUT && (best == null || r.maxAbsDiff() > best.maxAbsDiff())) {
          best = r;
        }
      }
      return best;
    }
  }

  public static Result compare(TensorBundle a, TensorBundle b) throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    a.entries().forEach(e -> keys.add(e.name()));
    b.entries().forEach(e -> keys.add(e.name()));
    List<Row> rows = new ArrayList<>();
    for (String key : keys) {
      TensorBundle.Entry ea = a.entry(key), eb = b.entry(key);
      String la = layout(ea), lb = layout(eb);
      if (ea == null || eb == null) {
        rows.add(new Row(key, ea == null ? Status.ONLY_IN_B : Status.ONLY_IN_A, la, lb, Double.NaN));
      } else if (ea.dtype() != eb.dtype()) {
        rows.add(new Row(key, Status.DTYPE_DIFFERS, la, lb, Double.NaN));
      } else if (!Arrays.equals(ea.shape(), eb.shape())) {
        rows.add(new Row(key, Status.SHAPE_DIFFERS, la, lb, Double.NaN));
      } else if (ea.dtype() == DataType.DT_FLOAT) {
        rows.add(new Row(key, Status.SAME_LAYOUT, la, lb,
            maxAbsDiff(a.readFloats(key), b.readFloats(key))));
      } else {
        rows.add(new Row(key, Status.SAME_LAYOUT, la, lb,
            Arrays.equals(a.readBytes(key), b.readBytes(key)) ? 0 : Double.POSITIVE_INFINITY));
      }
    }
    return new Result(rows);
  }

  /** {@code max |x_i - y_i|} over equal-length arrays, with the NaN rules above. */
  static double maxAbsDiff(float[] x, float[] y) {
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      boolean nx = Float.isNaN(x[i]), ny = Float.isNaN(y[i]);
      if (nx || ny) {
        if (nx != ny) {
          return Double.POSITIVE_INFINITY;
        }
        continue;
      }
      max = Math.max(max, Math.abs((double) x[i] - y[i]));
    }
    return max;
  }

  /** "float [3, 3, 32, 64]" (TensorFlow's dtype name, as inspect-checkpoint prints it), or "-". */
  static String layout(TensorBundle.Entry e) {
    return e == null ? "-" : e.dtypeName() + " "
        + e.shapeString();
  }
}

package org.dynconv.train.distributed;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * All-reduce across the workers of a group with TensorFlow's {@code CollectiveReduceV2} (the op
 * under MultiWorkerMirroredStrategy). It is built through the op builder: TF Java's typed {@code
 * tf.collective.collectiveReduce} builds V3, which crashes in a distributed session.
 *
 * <p>Every worker must build the same collectives with the same instance keys; a collective waits
 * for all {@code size} members, or fails after the group's timeout (a dead peer shows only that
 * way, and the process's collectives stay aborted afterwards).
 */
public final class Collectives {
  private Collectives() {}

  /**
   * A collective group.
   *
   * @param size workers taking part
   * @param key the group's key, the same on every worker
   * @param timeoutSeconds how long a collective waits for its peers before failing
   */
  public record Group(int size, int key, double timeoutSeconds) {
    public Group {
      if (size < 1) {
        throw new IllegalArgumentException("Collectives.Group: size is " + size
            + "; expected >= 1.");
      }
      if (!(timeoutSeconds > 0) || !Double.isFinite(timeoutSeconds)) {
        throw new IllegalArgumentException("Collectives.Group: timeoutSeconds is " + timeoutSeconds
            + "; expected a finite number > 0 (0 would wait forever for a dead peer).");
      }
    }
  }

  /** The element-wise mean of {@code x} over the group. */
  public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x, Group g, int instanceKey) {
    return reduce(tf, x, g, instanceKey, "Add", "Div");
  }

  /** The element-wise sum of {@code x} over the group. */
  public static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x, Group g, int instanceKey) {
    return reduce(tf, x, g, instanceKey, "Add", "Id");
  }

  /** The element-wise maximum of {@code x} over the group. */
  public static Operand<TFloat32> max(Ops tf, Operand<TFloat32> x, Group g, int instanceKey) {
    return reduce(tf, x, g, instanceKey, "Max", "Id");
  }

  /** The element-wise minimum of {@code x} over the group. */
  public static Operand<TFloat32> min(Ops tf, Operand<TFloat32> x, Group g, int instanceKey) {
    return reduce(tf, x, g, instanceKey, "Min", "Id");
  }

  /**
   * The means of several tensors in one collective: flattened, concatenated, reduced, split and
   * reshaped back (one exchange per step instead of one per tensor).
   */
  public static List<Operand<TFloat32>> meanPacked(Ops tf, List<Operand<TFloat32>> xs, Group g,
      int instanceKey) {
    if (xs.isEmpty()) {
      return List.of();
    }
    List<Operand<TFloat32>> flat = new ArrayList<>();
    List<Operand<TInt32>> sizes = new ArrayList<>();
    for (Operand<TFloat32> x : xs) {
      flat.add(tf.reshape(x, tf.constant(new int[] {-1})));
      sizes.add(tf.reshape(tf.size(x, TInt32.class), tf.constant(new int[] {1})));
    }
    Operand<TFloat32> packed = mean(tf, tf.concat(flat, tf.constant(0)), g, instanceKey);
    Operand<TInt32> splits = tf.concat(sizes, tf.constant(0));
    List<Output<TFloat32>> parts = tf.splitV(packed, splits, tf.constant(0), (long) xs.size())
        .output();
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < xs.size(); i++) {
      out.add(tf.reshape(parts.get(i), tf.shape(xs.get(i))));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> x, Group g, int instanceKey,
      String mergeOp, String finalOp) {
    var b = tf.scope().opBuilder("CollectiveReduceV2", "CollectiveReduceV2")
        .addInput(x.asOutput())
        .addInput(tf.constant(g.size()).asOutput())
        .addInput(tf.constant(g.key()).asOutput())
        .addInput(tf.constant(instanceKey).asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("merge_op", mergeOp)
        .setAttr("final_op", finalOp)
        .setAttr("timeout_seconds", (float) g.timeoutSeconds());
    return (Output<TFloat32>) (Output<?>) b.build().output(0);
  }
}

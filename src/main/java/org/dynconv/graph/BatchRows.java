package org.dynconv.graph;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Which rows of a step's global batch a training graph computes: rows {@code [offset, offset +
 * B)} of {@code global}, where B is the graph's own batch. A data-parallel worker computes a slice
 * of the batch one process would; random per-example draws (dropout masks, drop-connect) are
 * taken for the whole global batch with the step's seed and sliced to these rows, so N workers
 * draw exactly the masks one process draws for the same examples.
 *
 * @param offset the first row of this graph's batch in the global batch
 * @param global the global batch, or -1 when the graph's batch is the whole of it
 */
public record BatchRows(long offset, long global) {
  /** The graph's batch is the whole global batch (one process). */
  public static final BatchRows WHOLE = new BatchRows(0, -1);

  public BatchRows {
    if (global == -1 ? offset != 0 : offset < 0 || global < 1 || offset >= global) {
      throw new IllegalArgumentException("BatchRows: offset " + offset + " of global batch "
          + global + " is invalid; expected 0 <= offset < global, or offset 0 of global -1.");
    }
  }

  /** Rows {@code [task * batch, (task + 1) * batch)} of {@code workers * batch}. */
  public static BatchRows ofWorker(int task, int workers, long batch) {
    return workers == 1 ? WHOLE : new BatchRows(task * batch, workers * batch);
  }

  /**
   * Stateless U[0,1) values of {@code shape} (its first dimension is this graph's batch) for this
   * graph's rows: drawn for the global batch and sliced, so that every row's values depend only on
   * its place in the global batch and on {@code seed}.
   */
  public Operand<TFloat32> uniform(Ops tf, Operand<TInt32> shape, Operand<TInt64> seed) {
    if (global == -1) {
      return tf.random.statelessRandomUniform(shape, seed, TFloat32.class);
    }
    Operand<TInt32> rest = tf.slice(shape, tf.constant(new int[] {1}), tf.constant(new int[] {-1}));
    Operand<TInt32> globalShape = tf.concat(List.of(tf.constant(new int[] {(int) global}), rest),
        tf.constant(0));
    Operand<TFloat32> all = tf.random.statelessRandomUniform(globalShape, seed, TFloat32.class);
    // begin = [offset, 0, 0, ...], size = shape.
    List<Operand<TInt32>> begin = new ArrayList<>();
    begin.add(tf.constant(new int[] {(int) offset}));
    begin.add(tf.zerosLike(rest));
    return tf.slice(all, tf.concat(begin, tf.constant(0)), shape);
  }
}

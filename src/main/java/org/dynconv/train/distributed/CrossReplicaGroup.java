package org.dynconv.train.distributed;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.CrossReplica;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Cross-replica statistics for one training graph ({@code --sync-batchnorm}): each {@link #mean}
 * is a {@code CollectiveReduceV2} with the next instance key from {@link #FIRST_KEY}, so workers
 * that build the same graph agree on the keys.
 *
 * <p>TensorFlow has no gradient for CollectiveReduceV2; this class registers one (once per JVM,
 * one of TF Java's ten custom-gradient slots): for a mean over the workers the gradient is the mean
 * of the upstream gradients, another CollectiveReduceV2 whose instance key is the forward one plus
 * {@link #BACKWARD_OFFSET}. With the gradients of the weights then averaged over the workers,
 * this gives each weight the gradient of the mean of the workers' losses.
 */
public final class CrossReplicaGroup implements CrossReplica {
  /** The first instance key of the statistics (the trainer's own collectives use lower ones). */
  public static final int FIRST_KEY = 1000;
  /** Added to a forward collective's instance key for its gradient's. */
  public static final int BACKWARD_OFFSET = 1 << 20;

  private final Collectives.Group group;
  private int nextKey = FIRST_KEY;

  public CrossReplicaGroup(Collectives.Group group) {
    this.group = group;
    registerGradient();
  }

  @Override
  public int replicas() {
    return group.size();
  }

  @Override
  public Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
    if (nextKey >= BACKWARD_OFFSET) {
      throw new IllegalStateException("CrossReplicaGroup: more than " + (BACKWARD_OFFSET - FIRST_KEY)
          + " cross-replica statistics in one graph.");
    }
    return Collectives.mean(tf, x, group, nextKey++);
  }

  private static boolean registered;

  private static synchronized void registerGradient() {
    if (registered) {
      return;
    }
    boolean ok = TensorFlow.registerCustomGradient("CollectiveReduceV2",
        CrossReplicaGroup::gradient);
    if (!ok) {
      throw new IllegalStateException("CrossReplicaGroup: TensorFlow refused the gradient of"
          + " CollectiveReduceV2 (are all ten custom-gradient slots taken?).");
    }
    registered = true;
  }

  @SuppressWarnings("unchecked")
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op,
      List<org.tensorflow.Output<?>> upstream) {
    // The integer inputs (group size and keys) get zeros: TF Java's adapter takes no nulls, and
    // TensorFlow drops gradients of constants.
    List<Operand<?>> grads = new ArrayList<>();
    for (int i = 0; i < op.numInputs(); i++) {
      grads.add(i == 0 ? null : tf.zerosLike(op.input(i)));
    }
    String merge = op.attributes().getAttrString("merge_op");
    String fin = op.attributes().getAttrString("final_op");
    if (!merge.equals("Add")) {
      throw new IllegalStateException("CrossReplicaGroup: no gradient for a CollectiveReduceV2 with"
          + " merge_op " + merge + "; expected Add (a sum or a mean).");
    }
    int size = constant(op, 1), key = constant(op, 2), instance = constant(op, 3);
    Collectives.Group g = new Collectives.Group(size, key,
        op.attributes().getAttrFloat("timeout_seconds"));
    Operand<TFloat32> dy = (Operand<TFloat32>) (Operand<?>) upstream.get(0);
    int back = instance + BACKWARD_OFFSET;
    grads.set(0, fin.equals("Div") ? Collectives.mean(tf, dy, g, back)
        : Collectives.sum(tf, dy, g, back));
    return grads;
  }

  /** The value of the scalar int constant feeding input {@code i} of {@code op}. */
  private static int constant(GraphOperation op, int i) {
    GraphOperation c = (GraphOperation) op.input(i).op();
    try (org.tensorflow.Tensor t = c.attributes().getAttrTensor("value")) {
      return t.asRawTensor().data().asInts().getInt(0);
    }
  }
}

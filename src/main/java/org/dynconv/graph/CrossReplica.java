package org.dynconv.graph;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The data-parallel workers a training graph shares its batch with, for layers whose TRAIN-mode
 * statistics span the global batch (cross-replica BatchNorm). A graph gets one through {@link
 * LayerScope#root(org.tensorflow.Graph, long, CrossReplica)}; without one every statistic is the
 * worker's own.
 */
public interface CrossReplica {
  /**
   * One process as its only replica: the mean over the replicas is {@code x} itself. BatchNorm
   * then computes its moments with the composed cross-replica formula rather than the fused op
   * ({@code train --sync-batchnorm} in one process).
   */
  CrossReplica ONE = new CrossReplica() {
    @Override
    public int replicas() {
      return 1;
    }

    @Override
    public Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
      return x;
    }
  };

  /** Number of workers sharing the batch. */
  int replicas();

  /**
   * The element-wise mean of {@code x} over the workers, differentiable: its gradient is the mean
   * of the upstream gradients over the workers. Every worker must call this in the same order.
   */
  Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x);
}

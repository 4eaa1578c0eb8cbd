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
  /** Number of workers sharing the batch. */
  int replicas();

  /**
   * The element-wise mean of {@code x} over the workers, differentiable: its gradient is the mean
   * of the upstream gradients over the workers. Every worker must call this in the same order.
   */
  Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x);
}

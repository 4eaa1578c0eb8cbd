package org.dynconv.graph;

/**
 * Whether a graph is built for training (gradients will be taken, BatchNorm uses batch statistics,
 * dropout is on) or for inference (export, prediction).
 */
public enum Mode {
  TRAIN,
  INFER;

  public boolean training() {
    return this == TRAIN;
  }
}

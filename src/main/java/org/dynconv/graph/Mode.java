package org.dynconv.graph;

/**
 * What a graph is built for: training (gradients will be taken, BatchNorm uses batch statistics,
 * dropout is on) or inference; and whether the graph may hold dynconv's own kernel ops.
 *
 * <p>Training graphs and {@link #INFER_KERNELS} graphs run only in a process that has loaded
 * dynconv's kernel library (see {@code KernelLibrary}), so AUTO may pick the strategy KERNEL in
 * them. {@link #INFER} graphs hold TensorFlow's own ops only: they are what default exports
 * contain, so that Python TensorFlow and TF-Serving load them without the library.
 */
public enum Mode {
  TRAIN,
  /** Inference with TensorFlow's own ops only (default exports, portable). */
  INFER,
  /**
   * Inference that may use dynconv's kernel library: {@code export --kernels}, loaded by Java
   * with the library or by Python after {@code tf.load_op_library}.
   */
  INFER_KERNELS;

  public boolean training() {
    return this == TRAIN;
  }

  /** Whether the graph may hold dynconv's own kernel ops (the strategy KERNEL). */
  public boolean kernels() {
    return this != INFER;
  }
}

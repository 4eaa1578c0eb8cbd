package org.dynconv.models;

import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.routing.Temperature;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The graph inputs every model shares: images, the dropout seed, the temperature. */
final class ModelInputs {
  private ModelInputs() {}

  /** Placeholder {@code images [batch,H,W,C]} at the graph root (batch -1: unknown). */
  static Operand<TFloat32> images(LayerScope root, ModelSpec spec, long batch) {
    return root.ops().withName("images").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(batch, spec.height(), spec.width(), spec.channels())));
  }

  /** Placeholder {@code step_seed [2]} (int64) in TRAIN, null in INFER. */
  static Operand<TInt64> stepSeed(LayerScope root, Mode mode) {
    if (!mode.training()) {
      return null;
    }
    Ops tf = root.ops();
    return tf.withName("step_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
  }

  /** Scalar {@code temperature} input defaulting to {@code finalValue}, or null. */
  static Operand<TFloat32> temperature(LayerScope root, ModelSpec spec, float finalValue) {
    return spec.annealsTemperature() ? Temperature.input(root, finalValue) : null;
  }
}

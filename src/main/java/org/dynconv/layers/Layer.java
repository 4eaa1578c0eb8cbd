package org.dynconv.layers;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A layer: built from a validated config and called on a tensor in a {@link BuildContext}.
 *
 * <p>The first call in a context creates the layer's variables under {@code <context scope>/<layer
 * name>}, taking the input channels from {@code x}'s static shape; a later call in the same context
 * reuses them (shared weights, as a Keras layer called twice). A call in another context (another
 * graph, or a static-batch copy of the same graph) builds there anew. Everything the layer creates
 * is reported to the context: variables (trainable and not), BatchNorm updates, routing and
 * attention tensors, multiply-adds. Nothing needs registering by hand.
 *
 * <p>Layers are not thread-safe: build a graph from one thread.
 */
@FunctionalInterface
public interface Layer {
  /**
   * @param x the input, {@code [B,H,W,C]} for convolutions and {@code [B,F]} for dense layers;
   *     every dimension but B static
   * @return the output
   */
  Operand<TFloat32> call(BuildContext ctx, Operand<TFloat32> x);
}

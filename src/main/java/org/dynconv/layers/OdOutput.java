package org.dynconv.layers;

import org.dynconv.graph.Forward;
import org.dynconv.routing.OdAttention;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * An ODConv layer's output with its attention's BatchNorm updates, and the four attentions (for
 * the routing signature and analysis).
 */
public record OdOutput(Forward forward, OdAttention.Weights attention) {
  public Operand<TFloat32> output() {
    return forward.output();
  }
}

package org.dynconv.layers;

import org.dynconv.graph.Forward;
import org.dynconv.routing.DcdBranch;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A DCD layer's output with its BatchNorm updates, and its attention: lambda {@code [B,O]} and
 * Phi {@code [B,L,L]} (for the routing signature and analysis).
 */
public record DcdOutput(Forward forward, DcdBranch.Attention attention) {
  public Operand<TFloat32> output() {
    return forward.output();
  }
}

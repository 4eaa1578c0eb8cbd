package org.dynconv.graph;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * A layer's output plus the ops a training step must also run (BatchNorm's moving-statistic
 * updates). Updates travel in return values, never through graph collections.
 */
public record Forward(Operand<TFloat32> output, List<Op> updates) {
  public Forward {
    updates = List.copyOf(updates);
  }

  public static Forward of(Operand<TFloat32> output) {
    return new Forward(output, List.of());
  }
}

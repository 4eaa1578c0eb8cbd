package org.dynconv.nn;

import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * What a folded BatchNorm leaves behind: a per-channel bias {@code <scope>/bias} (the kernel before
 * it carries the scale; see {@link BatchNormFold}).
 */
public final class FoldedBias {
  private final LayerScope scope;
  private final VariableRef bias;

  private FoldedBias(LayerScope scope, VariableRef bias) {
    this.scope = scope;
    this.bias = bias;
  }

  public static FoldedBias create(LayerScope scope, int channels) {
    return new FoldedBias(scope, Variables.create(scope, "bias", Shape.of(channels),
        Initializers.zeros(), VariableRef.Kind.TRAINABLE));
  }

  public Operand<TFloat32> apply(Operand<TFloat32> x) {
    return scope.ops().nn.biasAdd(x, bias.read());
  }

  public VariableRef variable() {
    return bias;
  }
}

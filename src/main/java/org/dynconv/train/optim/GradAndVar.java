package org.dynconv.train.optim;

import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A gradient and the variable it belongs to (a float32 variable: optimizers update its ref). */
public record GradAndVar(Operand<TFloat32> gradient, VariableRef variable) {
  public GradAndVar {
    if (variable.variable() == null) {
      throw new IllegalArgumentException("GradAndVar: variable '" + variable.name() + "' is stored"
          + " as " + variable.dtype() + " (a half-width expert bank of an inference graph) and"
          + " cannot be trained; expected a model built with bankPrecision float32.");
    }
  }
}

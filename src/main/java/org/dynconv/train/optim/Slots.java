package org.dynconv.train.optim;

import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializer;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Creates optimizer slot and bookkeeping variables with TF1 Python's names. */
final class Slots {
  private Slots() {}

  /** A slot {@code <variable>/<slotName>} shaped like the variable. */
  static VariableRef slot(LayerScope root, VariableRef var, String slotName, Initializer init) {
    String name = var.name() + "/" + slotName;
    LayerScope initScope = root.child("optimizer_initializers");
    Operand<TFloat32> value = init.create(initScope.ops(), var.shape(), 0, 0);
    return Variables.createExact(root, name, var.shape(), value, VariableRef.Kind.STATE);
  }

  /** A scalar bookkeeping variable named {@code name} (e.g. Adam's {@code beta1_power}). */
  static VariableRef scalar(LayerScope root, String name, float initial) {
    Operand<TFloat32> value = root.child("optimizer_initializers").ops().constant(initial);
    return Variables.createExact(root, name, Shape.scalar(), value, VariableRef.Kind.STATE);
  }
}

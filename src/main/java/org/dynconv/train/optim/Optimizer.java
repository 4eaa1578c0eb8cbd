package org.dynconv.train.optim;

import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * An optimizer built on TensorFlow's {@code Apply*} kernels with the learning rate as a graph
 * input, over an explicit list of variables. Slot variables are named like TF1 Python's: {@code
 * <variable>/<slot name>}.
 */
public interface Optimizer {
  /** The TF1 name, used for slot names ({@code Momentum}, {@code Adam}, {@code RMSProp}). */
  String name();

  /**
   * Creates the slots and the update ops.
   *
   * @param root the graph root, for slot and bookkeeping variables
   * @param grads the gradients, one per trainable variable
   * @param learningRate a scalar operand, fed per step
   */
  Update apply(LayerScope root, List<GradAndVar> grads, Operand<TFloat32> learningRate);

  /** The ops that apply one step, and the variables the optimizer created. */
  record Update(Op step, List<VariableRef> slots) {}
}

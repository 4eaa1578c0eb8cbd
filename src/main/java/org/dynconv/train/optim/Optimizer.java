package org.dynconv.train.optim;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.layers.BuildContext;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
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

  /**
   * One training step over explicit variables, for a training loop of one's own: the gradients of
   * {@code loss} with respect to {@code variables} (each read through its {@code <name>/read}
   * identity) and this optimizer's update. Slots are created at the graph root with TF1's names
   * ({@code <variable>/Momentum}, ...), so checkpoints match TF1 Python's.
   *
   * @param root any scope of the graph; slots go under its root
   * @param loss a scalar
   * @param variables the float32 trainable variables to update, e.g. {@link
   *     org.dynconv.layers.BuildContext#trainableVariables()}
   * @param learningRate a scalar operand (a placeholder fed per step, or a constant)
   */
  default Update minimize(LayerScope root, Operand<TFloat32> loss, List<VariableRef> variables,
      Operand<TFloat32> learningRate) {
    if (variables.isEmpty()) {
      throw new IllegalArgumentException(name() + ": minimize needs at least one variable;"
          + " received none (did the layers get called in this graph?).");
    }
    for (VariableRef v : variables) {
      if (!v.trainable()) {
        throw new IllegalArgumentException(name() + ": variable '" + v.name() + "' is " + v.kind()
            + ", which training updates by assignment, not by gradients; expected trainable"
            + " variables only (BuildContext.trainableVariables()).");
      }
    }
    Ops tf = root.root().child("gradients_" + name()).ops();
    Gradients grads = tf.gradients(loss, variables.stream().map(VariableRef::read).toList());
    List<GradAndVar> gv = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      gv.add(new GradAndVar(grads.dy(i), variables.get(i)));
    }
    return apply(root.root(), gv, learningRate);
  }

  /**
   * One training step for everything a build made: its trainable variables, and its update ops
   * (BatchNorm's moving averages) run with the step. Checks first that every layer's convolution
   * strategy can be differentiated here ({@link BuildContext#checkTrainable()}).
   */
  default Update minimize(BuildContext ctx, Operand<TFloat32> loss, Operand<TFloat32> learningRate) {
    ctx.checkTrainable();
    Update u = minimize(ctx.scope(), loss, ctx.trainableVariables(), learningRate);
    List<Op> all = new ArrayList<>(ctx.updates());
    all.add(u.step());
    return new Update(ctx.scope().root().ops().withControlDependencies(all).noOp(), u.slots());
  }

  /**
   * The ops that apply one step, and the variables the optimizer created.
   *
   * @param step run it once per training step
   * @param slots the optimizer's own variables (initialised with the graph's other variables)
   */
  record Update(Op step, List<VariableRef> slots) {}
}

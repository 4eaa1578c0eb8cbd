package org.dynconv.train.optim;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Adam (Kingma and Ba), as TF1's AdamOptimizer: {@code m = b1*m + (1-b1)*g}, {@code v = b2*v +
 * (1-b2)*g^2}, {@code w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)}. Slots {@code
 * <var>/Adam} (m) and {@code <var>/Adam_1} (v); bookkeeping {@code beta1_power}, {@code
 * beta2_power}, updated after every variable's step.
 */
public record Adam(double beta1, double beta2, double epsilon) implements Optimizer {
  public Adam {
    Check.inHalfOpen("Adam", "beta1", beta1, 0, 1);
    Check.inHalfOpen("Adam", "beta2", beta2, 0, 1);
    Check.positiveFinite("Adam", "epsilon", epsilon);
  }

  /** TF1's defaults: 0.9, 0.999, 1e-8. */
  public static Adam defaults() {
    return new Adam(0.9, 0.999, 1e-8);
  }

  @Override
  public String name() {
    return "Adam";
  }

  @Override
  public Update apply(LayerScope root, List<GradAndVar> grads, Operand<TFloat32> lr) {
    Ops tf = root.child("Adam").ops();
    VariableRef b1p = Slots.scalar(root, "beta1_power", (float) beta1);
    VariableRef b2p = Slots.scalar(root, "beta2_power", (float) beta2);
    List<VariableRef> slots = new ArrayList<>(List.of(b1p, b2p));
    List<Op> steps = new ArrayList<>();
    Operand<TFloat32> b1 = tf.constant((float) beta1), b2 = tf.constant((float) beta2);
    Operand<TFloat32> eps = tf.constant((float) epsilon);
    for (GradAndVar gv : grads) {
      VariableRef v = gv.variable();
      VariableRef m = Slots.slot(root, v, "Adam", Initializers.zeros());
      VariableRef s = Slots.slot(root, v, "Adam_1", Initializers.zeros());
      slots.add(m);
      slots.add(s);
      steps.add(tf.train.applyAdam(v.variable(), m.variable(), s.variable(), b1p.read(), b2p.read(),
          lr, b1, b2, eps, gv.gradient()));
    }
    // The powers advance only after every variable used the current ones.
    Ops after = tf.withControlDependencies(steps);
    Op p1 = after.assign(b1p.variable(), after.math.mul(b1p.read(), b1));
    Op p2 = after.assign(b2p.variable(), after.math.mul(b2p.read(), b2));
    return new Update(tf.withControlDependencies(List.of(p1, p2)).noOp(), slots);
  }
}

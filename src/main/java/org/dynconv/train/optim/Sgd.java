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
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/**
 * Stochastic gradient descent, with momentum when {@code momentum > 0} (TF1's
 * MomentumOptimizer): {@code a = m*a + g}; {@code w -= lr*a}, or with Nesterov {@code w -= lr*(g
 * + m*a)}. Slot {@code <var>/Momentum} (zeros). Without momentum: {@code w -= lr*g}, no slot.
 */
public record Sgd(double momentum, boolean nesterov) implements Optimizer {
  public Sgd {
    Check.inHalfOpen("Sgd", "momentum", momentum, 0, 1);
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("Sgd: nesterov=true needs momentum > 0; received momentum=0.");
    }
  }

  @Override
  public String name() {
    return "Momentum";
  }

  @Override
  public Update apply(LayerScope root, List<GradAndVar> grads, Operand<TFloat32> lr) {
    Ops tf = root.child("Momentum").ops();
    List<Op> steps = new ArrayList<>();
    List<VariableRef> slots = new ArrayList<>();
    for (GradAndVar gv : grads) {
      VariableRef v = gv.variable();
      if (momentum == 0) {
        steps.add(tf.train.applyGradientDescent(v.variable(), lr, gv.gradient()));
        continue;
      }
      VariableRef accum = Slots.slot(root, v, "Momentum", Initializers.zeros());
      slots.add(accum);
      steps.add(tf.train.applyMomentum(v.variable(), accum.variable(), lr, gv.gradient(),
          tf.constant((float) momentum), ApplyMomentum.useNesterov(nesterov)));
    }
    return new Update(tf.withControlDependencies(steps).noOp(), slots);
  }
}

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
 * RMSProp as TF1's RMSPropOptimizer (Google's EfficientNet recipe: decay 0.9, momentum 0.9,
 * epsilon 1e-3): {@code ms = d*ms + (1-d)*g^2}, {@code mom = mu*mom + lr*g/sqrt(ms + eps)}, {@code
 * w -= mom}. Slots {@code <var>/RMSProp} (ms, initialised to ones, as TF1 does) and {@code
 * <var>/RMSProp_1} (mom, zeros).
 */
public record RmsProp(double decay, double momentum, double epsilon) implements Optimizer {
  public RmsProp {
    Check.inHalfOpen("RmsProp", "decay", decay, 0, 1);
    Check.inHalfOpen("RmsProp", "momentum", momentum, 0, 1);
    Check.positiveFinite("RmsProp", "epsilon", epsilon);
  }

  /** Google's EfficientNet settings. */
  public static RmsProp google() {
    return new RmsProp(0.9, 0.9, 1e-3);
  }

  @Override
  public String name() {
    return "RMSProp";
  }

  @Override
  public Update apply(LayerScope root, List<GradAndVar> grads, Operand<TFloat32> lr) {
    Ops tf = root.child("RMSProp").ops();
    List<VariableRef> slots = new ArrayList<>();
    List<Op> steps = new ArrayList<>();
    Operand<TFloat32> rho = tf.constant((float) decay), mu = tf.constant((float) momentum);
    Operand<TFloat32> eps = tf.constant((float) epsilon);
    for (GradAndVar gv : grads) {
      VariableRef v = gv.variable();
      VariableRef ms = Slots.slot(root, v, "RMSProp", Initializers.ones());
      VariableRef mom = Slots.slot(root, v, "RMSProp_1", Initializers.zeros());
      slots.add(ms);
      slots.add(mom);
      steps.add(tf.train.applyRmsProp(v.variable(), ms.variable(), mom.variable(), lr, rho, mu, eps,
          gv.gradient()));
    }
    return new Update(tf.withControlDependencies(steps).noOp(), slots);
  }
}

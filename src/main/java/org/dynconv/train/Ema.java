package org.dynconv.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Exponential moving average of weights, as TF1's ExponentialMovingAverage with {@code
 * num_updates}: shadow {@code <var>/ExponentialMovingAverage}, initialised to the variable's
 * initial value, updated after each step by {@code shadow -= (1 - d) * (shadow - var)} with {@code
 * d = min(decay, (1 + n) / (10 + n))}, n the number of steps taken (fed as {@code ema_decay}).
 * Google averages the trainable variables and BatchNorm's moving statistics.
 */
public final class Ema {
  private final double decay;
  private final Map<VariableRef, VariableRef> shadows;
  private final Operand<TFloat32> decayInput;
  private final Op update;

  private Ema(double decay, Map<VariableRef, VariableRef> shadows, Operand<TFloat32> decayInput,
      Op update) {
    this.decay = decay;
    this.shadows = shadows;
    this.decayInput = decayInput;
    this.update = update;
  }

  /**
   * @param after ops the update must follow (the optimizer step, BatchNorm updates)
   */
  public static Ema create(LayerScope root, List<VariableRef> vars, double decay, List<Op> after) {
    Check.inHalfOpen("Ema", "decay", decay, 0, 1);
    LayerScope scope = root.child("ExponentialMovingAverage");
    Ops tf = scope.ops();
    Operand<TFloat32> d = tf.withName("ema_decay").placeholderWithDefault(tf.constant((float) decay),
        org.tensorflow.ndarray.Shape.scalar());
    Ops ordered = tf.withControlDependencies(after);
    Operand<TFloat32> oneMinus = ordered.math.sub(ordered.constant(1f), d);
    Map<VariableRef, VariableRef> shadows = new LinkedHashMap<>();
    List<Op> updates = new ArrayList<>();
    for (VariableRef v : vars) {
      // Initialised from the variable's Assign output, so it runs after the variable's initializer.
      VariableRef shadow = Variables.createExact(root, v.name() + "/ExponentialMovingAverage",
          v.shape(), tf.identity(v.initialized()), VariableRef.Kind.STATE);
      shadows.put(v, shadow);
      updates.add(ordered.assignSub(shadow.variable(),
          ordered.math.mul(ordered.math.sub(shadow.read(), ordered.identity(v.variable())), oneMinus)));
    }
    return new Ema(decay, shadows, d, tf.withControlDependencies(updates).noOp());
  }

  /** The decay for the update after {@code stepsTaken} steps. */
  public double decayAt(long stepsTaken) {
    return Math.min(decay, (1.0 + stepsTaken) / (10.0 + stepsTaken));
  }

  public Operand<TFloat32> decayInput() {
    return decayInput;
  }

  public Op update() {
    return update;
  }

  /** Variable to shadow, in creation order. */
  public Map<VariableRef, VariableRef> shadows() {
    return shadows;
  }
}

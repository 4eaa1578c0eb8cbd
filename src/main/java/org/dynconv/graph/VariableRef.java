package org.dynconv.graph;

import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A float32 variable created by a layer: its checkpoint name (the VariableV2 op name), its shape,
 * what it is for, the ref output (for assign and optimizer ops) and its {@code <name>/read}
 * identity (the only output layers compute with).
 *
 * @param name full op name, which is also the checkpoint key
 * @param shape static shape
 * @param kind how training treats it
 * @param variable the VariableV2 ref output; pass it only to assign/apply ops
 * @param read {@code Identity(variable)}, named {@code <name>/read}
 * @param initialized the output of {@code <name>/Assign}: the variable after initialisation, for
 *     initialising a dependent variable (an EMA shadow) without racing its initializer
 * @param routing a parameter of a routing or attention function (CondConv's routing, DynamicConv's
 *     and ODConv's attention, DCD's dynamic branch), which training may exempt from weight decay
 */
public record VariableRef(String name, Shape shape, Kind kind, Output<TFloat32> variable,
    Operand<TFloat32> read, Output<TFloat32> initialized, boolean routing) {

  /** How training treats a variable. */
  public enum Kind {
    /** Updated by the optimizer. */
    TRAINABLE,
    /** Updated by an assign op during training (BatchNorm moving mean and variance). */
    MOVING_STATISTIC,
    /** Bookkeeping kept in checkpoints (temperature, step counters, optimizer slots). */
    STATE
  }

  /** The same variable marked as a routing or attention parameter. */
  public VariableRef asRouting() {
    return new VariableRef(name, shape, kind, variable, read, initialized, true);
  }

  public boolean trainable() {
    return kind == Kind.TRAINABLE;
  }

  /** Number of scalars in the variable. */
  public long size() {
    return shape.size();
  }
}

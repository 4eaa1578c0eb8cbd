package org.dynconv.graph;

import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * A variable created by a layer: its checkpoint name (the VariableV2 op name), its shape, what it
 * is for, the ref output (for assign and optimizer ops) and its {@code <name>/read} identity (the
 * only output layers compute with).
 *
 * <p>Variables are float32, except an inference graph's expert banks when it is built with a
 * half-width {@link BankPrecision}: such a variable is stored as bfloat16 or float16 ({@link
 * #stored}), has no float32 ref ({@code variable} and {@code initialized} are null: nothing may
 * assign or train it), and {@code read} is its value widened to float32.
 *
 * @param name full op name, which is also the checkpoint key
 * @param shape static shape
 * @param kind how training treats it
 * @param variable the VariableV2 ref output; pass it only to assign/apply ops (null when stored at
 *     half width)
 * @param read {@code Identity(variable)}, named {@code <name>/read}, in float32
 * @param initialized the output of {@code <name>/Assign}: the variable after initialisation, for
 *     initialising a dependent variable (an EMA shadow) without racing its initializer (null when
 *     stored at half width)
 * @param routing a parameter of a routing or attention function (CondConv's routing, DynamicConv's
 *     and ODConv's attention, DCD's dynamic branch), which training may exempt from weight decay
 * @param stored the value in the type it is stored in: {@code read} for a float32 variable, the
 *     half-width {@code <name>/read} for a half-width one
 */
public record VariableRef(String name, Shape shape, Kind kind, Output<TFloat32> variable,
    Operand<TFloat32> read, Output<TFloat32> initialized, boolean routing,
    Operand<? extends TNumber> stored) {

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
    return new VariableRef(name, shape, kind, variable, read, initialized, true, stored);
  }

  /** The stored type: {@code DT_FLOAT}, or {@code DT_BFLOAT16} / {@code DT_HALF} at half width. */
  public DataType dtype() {
    return stored.asOutput().dataType();
  }

  /** Stored narrower than float32 (an inference-only expert bank). */
  public boolean halfWidth() {
    return dtype() != DataType.DT_FLOAT;
  }

  public boolean trainable() {
    return kind == Kind.TRAINABLE;
  }

  /** Number of scalars in the variable. */
  public long size() {
    return shape.size();
  }
}

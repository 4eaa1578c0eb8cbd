package org.dynconv.graph;

import java.nio.charset.StandardCharsets;
import org.dynconv.init.Initializer;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * Creates variables (float32; half-width expert banks in inference graphs) the way TF1 Python
 * does: a {@code VariableV2} named exactly {@code <scope>/<name>}, an {@code <name>/Assign} of the
 * initial value registered as a graph initializer, and an {@code <name>/read} identity that layers
 * compute with.
 *
 * <p>Reference variables are used because TF Java 1.1.0 saves, restores and exports only those.
 * Layers read through the identity because a gradient op applied directly to a ref output can
 * crash the JVM (see the TF Java notes).
 */
public final class Variables {
  private Variables() {}

  /**
   * Creates a float32 variable. The initializer's random ops are seeded with the scope's seed and a
   * hash of the full name, so a variable's initial value does not depend on the order layers are
   * built in.
   */
  public static VariableRef create(
      LayerScope scope, String localName, Shape shape, Initializer init, VariableRef.Kind kind) {
    return create(scope, localName, shape, init, kind, BankPrecision.FLOAT32);
  }

  /**
   * Creates a variable stored in {@code storage}: float32 as {@link #create(LayerScope, String,
   * Shape, Initializer, VariableRef.Kind)}, or a half-width variable for inference graphs (the
   * initial value rounded to {@code storage}; a {@code <name>/read} identity of the stored type and
   * its float32 widening {@code <name>/read_float32}; no float32 ref, so it cannot be assigned or
   * trained).
   */
  public static VariableRef create(LayerScope scope, String localName, Shape shape,
      Initializer init, VariableRef.Kind kind, BankPrecision storage) {
    String name = scope.fullName(localName);
    scope.reserveVariable(name);
    if (scope.sharedVariables() != null) {
      VariableRef v = shared(scope, name, shape, kind);
      if (v.dtype() != storage.dataType()) {
        throw new IllegalStateException("Variables: a build sharing the variables of another asks"
            + " for '" + name + "' in " + storage.label() + "; the other build stores it as "
            + v.dtype() + ". Expected the same model built twice.");
      }
      return v;
    }
    Ops initOps = scope.child(localName).child("Initializer").ops();
    Operand<TFloat32> initial = init.create(initOps, shape, scope.seed(), nameSeed(name));
    return storage.halfWidth()
        ? createHalfWidth(scope, name, shape, initOps.dtypes.cast(initial, storage.type()), kind)
        : create(scope, name, shape, initial, kind);
  }

  private static VariableRef createHalfWidth(LayerScope scope, String name, Shape shape,
      Operand<? extends TNumber> initial, VariableRef.Kind kind) {
    Ops root = scope.rootOps();
    GraphOperation var =
        scope.graph().opBuilder("VariableV2", name, root.scope())
            .setAttr("shape", shape)
            .setAttr("dtype", initial.asOutput().dataType())
            .build();
    scope.graph().opBuilder("Assign", name + "/Assign", root.withInitScope().scope())
        .addInput(var.output(0))
        .addInput(initial.asOutput())
        .build();
    Output<? extends TNumber> read =
        scope.graph().opBuilder("Identity", name + "/read", root.scope()).addInput(var.output(0))
            .build().output(0);
    Output<TFloat32> widened =
        scope.graph().opBuilder("Cast", name + "/read_float32", root.scope()).addInput(read)
            .setAttr("DstT", DataType.DT_FLOAT).build().output(0);
    return new VariableRef(name, shape, kind, null, widened, null, false, read);
  }

  /**
   * Creates a variable named exactly {@code fullName} (which may extend another variable's name,
   * as optimizer slots do: {@code <var>/Momentum}) with the initial value {@code initial}.
   *
   * @param anyScope any scope of the graph; it only provides the graph and the name registry
   */
  public static VariableRef createExact(
      LayerScope anyScope, String fullName, Shape shape, Operand<TFloat32> initial,
      VariableRef.Kind kind) {
    anyScope.reserveVariable(fullName);
    if (anyScope.sharedVariables() != null) {
      return shared(anyScope, fullName, shape, kind);
    }
    return create(anyScope, fullName, shape, initial, kind);
  }

  /** Under a {@link LayerScope#sharing} root: the existing variable of that name and shape. */
  private static VariableRef shared(LayerScope scope, String name, Shape shape,
      VariableRef.Kind kind) {
    VariableRef v = scope.sharedVariables().get(name);
    if (v == null || !v.shape().equals(shape) || v.kind() != kind) {
      throw new IllegalStateException("Variables: a build sharing the variables of another asks"
          + " for '" + name + "' " + shape + " " + kind + "; the other build has "
          + (v == null ? "no such variable" : v.shape() + " " + v.kind())
          + ". Expected the same model built twice.");
    }
    return v;
  }

  private static VariableRef create(
      LayerScope scope, String name, Shape shape, Operand<TFloat32> initial, VariableRef.Kind kind) {
    Ops root = scope.rootOps();
    GraphOperation var =
        scope.graph().opBuilder("VariableV2", name, root.scope())
            .setAttr("shape", shape)
            .setAttr("dtype", DataType.DT_FLOAT)
            .build();
    Output<TFloat32> ref = var.output(0);
    GraphOperation assign =
        scope.graph().opBuilder("Assign", name + "/Assign", root.withInitScope().scope())
            .addInput(ref)
            .addInput(initial.asOutput())
            .build();
    GraphOperation read =
        scope.graph().opBuilder("Identity", name + "/read", root.scope()).addInput(ref).build();
    Output<TFloat32> readOut = read.output(0);
    Output<TFloat32> initialized = assign.output(0);
    return new VariableRef(name, shape, kind, ref, readOut, initialized, false, readOut);
  }

  /** A stable, non-zero 63-bit hash of a variable name (FNV-1a), used as the op-level seed. */
  static long nameSeed(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    h &= Long.MAX_VALUE;
    return h == 0 ? 1 : h;
  }
}

package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.routing.RoutingOutputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * What the body of a {@link CustomModel} builds with, and where it hands back what the trainer
 * and the exporter need: the layers' variables, BatchNorm updates, routing weights and
 * multiply-adds. Nothing is looked up in the graph afterwards, so what is not registered here is
 * not trained, saved or exported.
 */
public final class ModelContext {
  private final LayerScope scope;
  private final Mode mode;
  private final long batch;
  private final Operand<TFloat32> temperature;
  private final Operand<TInt64> stepSeed;
  private final int numClasses;
  private final List<VariableRef> variables = new ArrayList<>();
  private final List<Op> updates = new ArrayList<>();
  private final RoutingOutputs routing = new RoutingOutputs();
  private long macs;

  ModelContext(LayerScope scope, Mode mode, long batch, Operand<TFloat32> temperature,
      Operand<TInt64> stepSeed, int numClasses) {
    this.numClasses = numClasses;
    this.scope = scope;
    this.mode = mode;
    this.batch = batch;
    this.temperature = temperature;
    this.stepSeed = stepSeed;
  }

  /** The model's scope ({@code <model name>}): create layers under its children. */
  public LayerScope scope() {
    return scope;
  }

  public Ops ops() {
    return scope.ops();
  }

  /** TRAIN or INFER: pass it to layers that behave differently (BatchNorm, dropout, strategies). */
  public Mode mode() {
    return mode;
  }

  /** The classes the logits must have. */
  public int numClasses() {
    return numClasses;
  }

  /** The static batch size of this graph, or -1 for unknown. */
  public long batch() {
    return batch;
  }

  /**
   * The model's shared temperature input (a scalar the trainer anneals and an export fixes at the
   * final value) for DynamicConv and ODConv layers; null when the model does not anneal.
   */
  public Operand<TFloat32> temperature() {
    return temperature;
  }

  /** The per-step dropout seed {@code [2]} (int64) in TRAIN; null in INFER. */
  public Operand<TInt64> stepSeed() {
    return stepSeed;
  }

  /** Registers a layer's variables (trainable weights and moving statistics). */
  public void variables(List<VariableRef> v) {
    variables.addAll(v);
  }

  /** Registers a layer's training updates and returns its output. */
  public Operand<TFloat32> forward(Forward f) {
    updates.addAll(f.updates());
    return f.output();
  }

  /** Registers a conditional layer's routing weights {@code [B,E]}, keyed by its scope. */
  public void routing(String layerScope, Operand<TFloat32> weights) {
    routing.routing(layerScope, weights);
  }

  /** The collector DCD and ODConv layers record their attentions into. */
  public RoutingOutputs routingOutputs() {
    return routing;
  }

  /** Adds multiply-adds per image (for {@code models} and the training summary). */
  public void macs(long multiplyAdds) {
    macs += multiplyAdds;
  }

  List<VariableRef> registeredVariables() {
    return variables;
  }

  List<Op> registeredUpdates() {
    return updates;
  }

  RoutingOutputs registeredRouting() {
    return routing;
  }

  long registeredMacs() {
    return macs;
  }
}

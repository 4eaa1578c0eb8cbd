package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.BatchRows;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.routing.RoutingOutputs;
import org.dynconv.routing.Temperature;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Where layers are built, and what they built: one per graph build (a model, or a plain TF Java
 * program's graph). It carries the scope layers name their variables under, the {@link Mode}, the
 * shared temperature input and the dropout seed; it collects, as the layers report them, their
 * variables (trainable weights and BatchNorm moving statistics), update ops, routing and attention
 * tensors, multiply-adds per example and the convolution strategies they chose.
 *
 * <pre>{@code
 * BuildContext ctx = BuildContext.training(LayerScope.root(graph, 7).child("net"));
 * Operand<TFloat32> logits = net.call(ctx, images);
 * ctx.trainableVariables();   // for an optimizer
 * ctx.updates();              // BatchNorm moving averages: run them with each training step
 * }</pre>
 *
 * <p>Not thread-safe: build a graph from one thread.
 */
public final class BuildContext {
  /** A conditional layer's strategy choice, for the trainability check of {@link #checkTrainable}. */
  record StrategyUse(String layer, Strategy strategy, Mode mode) {}

  /** What every view of one build shares (see {@link #child}). */
  private static final class Build {
    Operand<TFloat32> temperature;
    final Operand<TInt64> stepSeed;
    final List<VariableRef> variables = new ArrayList<>();
    final List<Op> updates = new ArrayList<>();
    final RoutingOutputs routing = new RoutingOutputs();
    final List<StrategyUse> strategies = new ArrayList<>();
    final List<Operand<TFloat32>> sharedRouting = new ArrayList<>();
    final List<BatchNormFold> folds = new ArrayList<>();
    boolean foldBatchNorm;
    long macs;
    int dropoutLayers;

    final BatchRows rows;

    Build(Operand<TFloat32> temperature, Operand<TInt64> stepSeed, BatchRows rows) {
      this.temperature = temperature;
      this.stepSeed = stepSeed;
      this.rows = rows;
    }
  }

  private final LayerScope scope;
  private final Mode mode;
  private final Build build;

  /**
   * @param scope the scope layers are created under ({@code <scope>/<layer name>/...})
   * @param mode TRAIN (batch statistics, dropout, strategies with gradients) or INFER
   * @param temperature the scalar DynamicConv and ODConv layers divide their logits by, shared so
   *     that a trainer anneals them together; null creates {@code <scope>/temperature} (default 1)
   *     when a layer first needs it
   * @param stepSeed a {@code [2]} int64 seed fed per training step for dropout masks; null turns
   *     dropout into the identity
   */
  public BuildContext(LayerScope scope, Mode mode, Operand<TFloat32> temperature,
      Operand<TInt64> stepSeed) {
    this(scope, mode, temperature, stepSeed, BatchRows.WHOLE);
  }

  /**
   * As {@link #BuildContext(LayerScope, Mode, Operand, Operand)} for a data-parallel worker that
   * computes {@code rows} of each step's global batch (its dropout masks are the global batch's
   * rows, so N workers draw what one process draws).
   */
  public BuildContext(LayerScope scope, Mode mode, Operand<TFloat32> temperature,
      Operand<TInt64> stepSeed, BatchRows rows) {
    this(scope, mode, temperature, stepSeed, rows, false);
  }

  /**
   * As {@link #BuildContext(LayerScope, Mode, Operand, Operand, BatchRows)}; with {@code
   * foldBatchNorm} the build is the inference graph of an export whose BatchNorms are folded into
   * the convolutions before them (layers that support it build {@code <bn>/bias} in place of the
   * normalisation and report the fold with {@link #trackFolds}).
   */
  public BuildContext(LayerScope scope, Mode mode, Operand<TFloat32> temperature,
      Operand<TInt64> stepSeed, BatchRows rows, boolean foldBatchNorm) {
    if (scope == null || mode == null || rows == null) {
      throw new IllegalArgumentException("BuildContext: scope, mode and rows must not be null;"
          + " received " + scope + ", " + mode + " and " + rows + ".");
    }
    this.scope = scope;
    this.mode = mode;
    this.build = new Build(temperature, stepSeed, rows);
    this.build.foldBatchNorm = foldBatchNorm;
  }

  private BuildContext(LayerScope scope, Mode mode, Build build) {
    this.scope = scope;
    this.mode = mode;
    this.build = build;
  }

  /**
   * A view of this build whose layers are created under {@code <scope>/<name>}; what they report
   * goes to this build's collections.
   */
  public BuildContext child(String name) {
    return new BuildContext(scope.child(name), mode, build);
  }

  /** Identifies the build: every {@link #child} view of it has the same key. */
  Object buildKey() {
    return build;
  }

  /** A training build under {@code scope}, without dropout seed or shared temperature. */
  public static BuildContext training(LayerScope scope) {
    return new BuildContext(scope, Mode.TRAIN, null, null);
  }

  /** An inference build under {@code scope}. */
  public static BuildContext inference(LayerScope scope) {
    return new BuildContext(scope, Mode.INFER, null, null);
  }

  /** The scope layers are created under. */
  public LayerScope scope() {
    return scope;
  }

  /** The {@code Ops} of {@link #scope()}. */
  public Ops ops() {
    return scope.ops();
  }

  public Mode mode() {
    return mode;
  }

  /**
   * The shared temperature input: the one given to the constructor, or {@code
   * <scope>/temperature} (default 1), created on first use.
   */
  public Operand<TFloat32> temperature() {
    if (build.temperature == null) {
      build.temperature = Temperature.input(scope, 1f);
    }
    return build.temperature;
  }

  /** Which rows of each step's global batch this build computes. */
  public BatchRows rows() {
    return build.rows;
  }

  /** The per-step dropout seed {@code [2]}, or null (dropout then draws from a seeded op). */
  public Operand<TInt64> stepSeed() {
    return build.stepSeed;
  }

  // What layers report.

  /** Records variables a layer created. */
  public void track(List<VariableRef> created) {
    build.variables.addAll(created);
  }

  /** Records a layer's training updates and returns its output. */
  public Operand<TFloat32> forward(Forward f) {
    build.updates.addAll(f.updates());
    return f.output();
  }

  /** Records a conditional layer's routing weights {@code [B,E]}, keyed by its scope. */
  public void routing(String layerScope, Operand<TFloat32> weights) {
    build.routing.routing(layerScope, weights);
  }

  /**
   * Routing weights and attentions by layer, as the {@code routing} signature exports them; DCD
   * and ODConv layers record their attentions here.
   */
  public RoutingOutputs routingOutputs() {
    return build.routing;
  }

  /** Adds multiply-adds per example. */
  public void macs(long multiplyAdds) {
    build.macs += multiplyAdds;
  }

  /**
   * Records the strategy a conditional layer chose for this build ({@code layer} names it, e.g.
   * {@code CondConv2d 'model/blocks_1/cond_conv2d'}); the conditional layers and the zoo's blocks
   * call it when they apply a layer. Null (no per-example strategy) records nothing.
   */
  public void strategy(String layer, Strategy strategy) {
    if (strategy != null) {
      build.strategies.add(new StrategyUse(layer, strategy, mode));
    }
  }

  /** Each conditional layer of this build and the convolution strategy it chose, in build order. */
  public java.util.Map<String, Strategy> strategies() {
    java.util.Map<String, Strategy> m = new java.util.LinkedHashMap<>();
    build.strategies.forEach(u -> m.put(u.layer(), u.strategy()));
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Whether BatchNorms are folded into the convolutions before them (an export's graph). */
  public boolean foldBatchNorm() {
    return build.foldBatchNorm;
  }

  /**
   * Records how a layer's BatchNorms fold into its kernels, for exports with folded BatchNorm
   * ({@link #folds}); a layer reports them when it creates its variables.
   */
  public void trackFolds(List<BatchNormFold> folds) {
    build.folds.addAll(folds);
  }

  /** A distinct salt for each dropout layer of this build, so their masks differ. */
  int nextDropoutSalt() {
    return ++build.dropoutLayers;
  }

  // Shared routing (Google's MBConv): a block routes once, its CondConv layers read it.

  void pushSharedRouting(Operand<TFloat32> weights) {
    build.sharedRouting.add(weights);
  }

  void popSharedRouting() {
    build.sharedRouting.remove(build.sharedRouting.size() - 1);
  }

  /** The innermost shared routing weights {@code [B,E]}, or null outside a shared-routing block. */
  Operand<TFloat32> sharedRouting() {
    List<Operand<TFloat32>> r = build.sharedRouting;
    return r.isEmpty() ? null : r.get(r.size() - 1);
  }

  // What the build made.

  /** Every variable in creation order: trainable weights and moving statistics. */
  public List<VariableRef> variables() {
    return List.copyOf(build.variables);
  }

  /** The variables an optimizer updates. */
  public List<VariableRef> trainableVariables() {
    return build.variables.stream().filter(VariableRef::trainable).toList();
  }

  /** Variables kept in checkpoints but not trained (BatchNorm's moving mean and variance). */
  public List<VariableRef> nonTrainableVariables() {
    return build.variables.stream().filter(v -> !v.trainable()).toList();
  }

  /** Ops a training step must run besides the optimizer (BatchNorm moving averages). */
  public List<Op> updates() {
    return List.copyOf(build.updates);
  }

  /** How each BatchNorm of the build folds into the kernel before it, in creation order. */
  public List<BatchNormFold> folds() {
    return List.copyOf(build.folds);
  }

  /** Multiply-adds per example of everything built so far. */
  public long macs() {
    return build.macs;
  }

  /**
   * Fails, before any session runs, when a layer of this build uses a convolution strategy that
   * cannot be differentiated in this process. Optimizers call it; call it yourself before taking
   * gradients with TF Java directly.
   *
   * @throws IllegalStateException naming the layer, the strategy, the mode and the fix
   */
  public void checkTrainable() {
    for (StrategyUse u : build.strategies) {
      if (u.strategy() == Strategy.GROUPED && !RuntimeSupport.groupedConvGradients()) {
        throw new IllegalStateException("BuildContext: " + u.layer() + " uses strategy"
            + " GROUPED (chosen for Mode." + u.mode() + "), which has no gradient on this runtime:"
            + " grouped Conv2D gradients need oneDNN (TF_ENABLE_ONEDNN_OPTS="
            + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "unset") + "). "
            + (u.mode() == Mode.INFER
                ? "Build the training graph with Mode.TRAIN (BuildContext.training), which picks a"
                    + " strategy with gradients."
                : "Choose strategy AUTO, BATCHED_MATMUL, LOOP or DEPTHWISE_FOLD, or set"
                    + " TF_ENABLE_ONEDNN_OPTS=1."));
      }
    }
  }
}

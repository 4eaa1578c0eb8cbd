package org.dynconv.graph;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/**
 * A name path in a graph ({@code efficientnet-b0/blocks_3/conv2d}) with the {@link Ops} that builds
 * ops under it, and the model's random seed.
 *
 * <p>TF Java makes every {@code withSubScope} call unique ({@code blocks_3}, then {@code
 * blocks_3_1}), so one {@code Ops} per path is cached here and reused: asking twice for the same
 * child gives the same scope. Variable names are exact: {@link Variables} builds them by full name
 * and this class refuses a second variable with the same name. {@link #uniqueChild} gives Keras'
 * automatic names ({@code conv2d}, {@code conv2d_1}, ...) per parent.
 *
 * <p>Not thread-safe: build a graph from one thread.
 */
public final class LayerScope {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");

  private final Registry registry;
  private final String path;

  private LayerScope(Registry registry, String path) {
    this.registry = registry;
    this.path = path;
  }

  /** The root scope of a graph. {@code seed} seeds every initializer created under it. */
  public static LayerScope root(Graph graph, long seed) {
    return root(graph, seed, null);
  }

  /**
   * The root scope of a training graph whose batch statistics span the workers of {@code
   * replicas} (null: this worker's batch only).
   */
  public static LayerScope root(Graph graph, long seed, CrossReplica replicas) {
    return new LayerScope(new Registry(graph, Ops.create(graph), seed, replicas, null), "");
  }

  /**
   * A root for a second build of a model into a graph that holds it already (a static-batch copy
   * of an inference model): its ops are named under {@code opPrefix/}, and its variables are the
   * existing ones, looked up by name in {@code variables}, so the copy shares every weight with
   * the first build and nothing is created, initialised or checkpointed twice.
   */
  public static LayerScope sharing(Graph graph, String opPrefix,
      Map<String, VariableRef> variables) {
    return new LayerScope(new Registry(graph, Ops.create(graph).withSubScope(opPrefix), 0, null,
        Map.copyOf(variables)), "");
  }

  /**
   * This scope in a build whose expert banks are stored in {@code precision} ({@link
   * org.dynconv.models.BuildOptions#bankPrecision}); names, seed and shared variables are this
   * scope's. Only inference graphs may use a half-width precision ({@link
   * org.dynconv.models.BuildOptions} refuses it with TRAIN; a half-width variable has no ref an
   * optimizer could update).
   */
  public LayerScope withBankPrecision(BankPrecision precision) {
    if (precision == registry.bankPrecision) {
      return this;
    }
    return new LayerScope(registry.withBankPrecision(precision), path);
  }

  /** The type expert banks built under this scope are stored and mixed in (FLOAT32 by default). */
  public BankPrecision bankPrecision() {
    return registry.bankPrecision;
  }

  /** The variables builds under this root share, by name, or null when they create their own. */
  Map<String, VariableRef> sharedVariables() {
    return registry.shared;
  }

  /** The workers batch statistics are shared with, or null when they are this graph's own. */
  public CrossReplica crossReplica() {
    return registry.crossReplica;
  }

  /** The child scope {@code path/name}; the same object every time it is asked for. */
  public LayerScope child(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "LayerScope: child name '" + name + "' under '" + path
              + "' is invalid; expected a name matching " + NAME.pattern() + ".");
    }
    String childPath = path.isEmpty() ? name : path + "/" + name;
    registry.ops.computeIfAbsent(childPath, p -> ops().withSubScope(name));
    return new LayerScope(registry, childPath);
  }

  /**
   * The first unused child among {@code base}, {@code base_1}, {@code base_2}, ... (Keras' naming
   * for layers in one scope).
   */
  public LayerScope uniqueChild(String base) {
    Map<String, Integer> counts = registry.counters.computeIfAbsent(path, p -> new HashMap<>());
    int n = counts.getOrDefault(base, 0);
    counts.put(base, n + 1);
    return child(n == 0 ? base : base + "_" + n);
  }

  /** The root of this scope's graph build (same names, seed and shared variables). */
  public LayerScope root() {
    return path.isEmpty() ? this : new LayerScope(registry, "");
  }

  /** The {@code Ops} that names its ops under this path. */
  public Ops ops() {
    return path.isEmpty() ? registry.rootOps : registry.ops.get(path);
  }

  /** The root {@code Ops} of the graph. */
  public Ops rootOps() {
    return registry.rootOps;
  }

  public Graph graph() {
    return registry.graph;
  }

  /** The path, without a trailing slash; empty at the root. */
  public String path() {
    return path;
  }

  /** The full name of {@code local} under this scope. */
  public String fullName(String local) {
    return path.isEmpty() ? local : path + "/" + local;
  }

  /** The seed every initializer under this root uses (with a per-variable second seed). */
  public long seed() {
    return registry.seed;
  }

  /** Reserves a variable name, throwing if a variable of that name exists already. */
  void reserveVariable(String fullName) {
    if (!registry.variableNames.add(fullName)) {
      throw new IllegalStateException(
          "LayerScope: a variable named '" + fullName + "' exists already in this graph.");
    }
  }

  @Override
  public String toString() {
    return path.isEmpty() ? "<root>" : path;
  }

  private static final class Registry {
    final Graph graph;
    final Ops rootOps;
    final long seed;
    final Map<String, Ops> ops;
    final Map<String, Map<String, Integer>> counters;
    final Set<String> variableNames;
    final CrossReplica crossReplica;
    final Map<String, VariableRef> shared;
    final BankPrecision bankPrecision;

    Registry(Graph graph, Ops rootOps, long seed, CrossReplica crossReplica,
        Map<String, VariableRef> shared) {
      this(graph, rootOps, seed, crossReplica, shared, new HashMap<>(), new HashMap<>(),
          new HashSet<>(), BankPrecision.FLOAT32);
    }

    private Registry(Graph graph, Ops rootOps, long seed, CrossReplica crossReplica,
        Map<String, VariableRef> shared, Map<String, Ops> ops,
        Map<String, Map<String, Integer>> counters, Set<String> variableNames,
        BankPrecision bankPrecision) {
      this.graph = graph;
      this.rootOps = rootOps;
      this.seed = seed;
      this.crossReplica = crossReplica;
      this.shared = shared;
      this.ops = ops;
      this.counters = counters;
      this.variableNames = variableNames;
      this.bankPrecision = bankPrecision;
    }

    /** The same graph, names and counters (shared, not copied), another bank precision. */
    Registry withBankPrecision(BankPrecision precision) {
      return new Registry(graph, rootOps, seed, crossReplica, shared, ops, counters,
          variableNames, precision);
    }
  }
}

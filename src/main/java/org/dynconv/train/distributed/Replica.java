package org.dynconv.train.distributed;

import org.dynconv.graph.CrossReplica;
import org.dynconv.graph.Threads;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Which worker of a data-parallel run this trainer is, or {@link #single()} for a run in one
 * process. A distributed replica expects its {@link WorkerServer} to be running.
 *
 * @param cluster the workers and this task, or null for a single process
 * @param collectiveTimeoutSeconds how long a collective waits for the other workers
 * @param syncBatchNorm BatchNorm takes its training moments over the global batch (Google's
 *     cross-replica BatchNorm) instead of each worker's slice
 */
public record Replica(Cluster cluster, double collectiveTimeoutSeconds, boolean syncBatchNorm) {
  /** The default collective timeout: long enough for a slow evaluation on the chief. */
  public static final double DEFAULT_TIMEOUT_SECONDS = 300;

  public Replica {
    if (cluster != null
        && (!(collectiveTimeoutSeconds > 0) || !Double.isFinite(collectiveTimeoutSeconds))) {
      throw new IllegalArgumentException("Replica: collectiveTimeoutSeconds is "
          + collectiveTimeoutSeconds + "; expected a finite number of seconds > 0.");
    }
  }

  /** Training in this process alone. */
  public static Replica single() {
    return new Replica(null, 0, false);
  }

  /** Task {@code cluster.task()} of {@code cluster}, BatchNorm on each worker's own slice. */
  public static Replica of(Cluster cluster, double collectiveTimeoutSeconds) {
    return new Replica(cluster, collectiveTimeoutSeconds, false);
  }

  /** The same worker with cross-replica BatchNorm on or off. */
  public Replica withSyncBatchNorm(boolean on) {
    return new Replica(cluster, collectiveTimeoutSeconds, on);
  }

  /**
   * The root scope of this worker's training graph: with {@link #syncBatchNorm} in a distributed
   * run, its BatchNorm layers share their statistics across the workers; in one process they use
   * the same composed formula over the one replica ({@link CrossReplica#ONE}) instead of the fused
   * op, so that a one-process run computes what N workers compute, to rounding.
   */
  public org.dynconv.graph.LayerScope trainingRoot(org.tensorflow.Graph graph, long seed) {
    if (!syncBatchNorm) {
      return org.dynconv.graph.LayerScope.root(graph, seed);
    }
    return org.dynconv.graph.LayerScope.root(graph, seed,
        distributed() ? new CrossReplicaGroup(group()) : CrossReplica.ONE);
  }

  public boolean distributed() {
    return cluster != null;
  }

  /** Number of workers (1 for a single process). */
  public int workers() {
    return cluster == null ? 1 : cluster.size();
  }

  /** This worker's index (0 for a single process). */
  public int task() {
    return cluster == null ? 0 : cluster.task();
  }

  /** True when this process writes checkpoints, logs and the export. */
  public boolean chief() {
    return task() == 0;
  }

  /** The collective group of all workers. */
  public Collectives.Group group() {
    return new Collectives.Group(workers(), 1, distributed() ? collectiveTimeoutSeconds
        : DEFAULT_TIMEOUT_SECONDS);
  }

  /**
   * A session on {@code graph}: on this task's gRPC server when distributed (not auto-initialised:
   * the caller initialises or restores), a local one otherwise.
   */
  public Session session(Graph graph, Threads threads) {
    if (!distributed()) {
      return threads.session(graph);
    }
    return GrpcSessions.open(graph, cluster.target(), WorkerServer.sessionConfig(cluster, threads));
  }

  @Override
  public String toString() {
    return distributed() ? "worker " + task() + " of " + workers() : "single process";
  }
}

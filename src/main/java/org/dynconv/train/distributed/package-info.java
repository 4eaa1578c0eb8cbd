/**
 * Synchronous data-parallel training on TensorFlow's own gRPC runtime: a {@link
 * org.dynconv.train.distributed.Cluster} of workers, each with a {@link
 * org.dynconv.train.distributed.WorkerServer} and a session on it ({@link
 * org.dynconv.train.distributed.GrpcSessions}), gradients and logged metrics all-reduced with
 * {@code CollectiveReduceV2} ({@link org.dynconv.train.distributed.Collectives}). The trainer takes
 * a {@link org.dynconv.train.distributed.Replica} saying which worker it is; {@link
 * org.dynconv.train.distributed.Supervisor} starts and watches local worker processes.
 */
package org.dynconv.train.distributed;

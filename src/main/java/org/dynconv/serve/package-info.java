/**
 * A server for TF-Serving's REST and gRPC APIs ({@link org.dynconv.serve.ModelServer}): REST on
 * Netty ({@code RestServer} reads, {@code RestApi} answers), gRPC on grpc-java ({@code GrpcApi}),
 * both running predictions through {@code Runs} (slots or the {@code Batcher}).
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): serve, the last step.
 */
package org.dynconv.serve;

/**
 * A server for TF-Serving's REST API ({@link org.dynconv.serve.ModelServer}) on the JDK's HTTP
 * server.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): serve, the last step.
 */
package org.dynconv.serve;

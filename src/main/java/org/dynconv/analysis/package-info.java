/**
 * Routing and attention statistics and their pictures, for the analyze command.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): after serve: what a trained model's routing learned.
 */
package org.dynconv.analysis;

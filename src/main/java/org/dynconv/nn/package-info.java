/**
 * Plain layers and ops the dynamic layers build on: convolution, depthwise convolution, dense,
 * BatchNorm (and its folding), dropout, pooling, activations, batched matmul.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the plain building blocks the routing, convolution and layer steps are made of.
 */
package org.dynconv.nn;

/**
 * Plain layers and ops the dynamic layers build on: convolution, depthwise convolution, dense,
 * BatchNorm (and its folding), dropout, pooling, activations, batched matmul.
 */
package org.dynconv.nn;

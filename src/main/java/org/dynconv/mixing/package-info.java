/**
 * Expert banks (Google CondConv's [E, P] layout) and their mixing into per-example kernels, and
 * DCD's channel fusion in its latent space.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): kernel mixing or feature-space fusion, after routing.
 */
package org.dynconv.mixing;

/**
 * Immutable, validated configuration shared by every layer: convolution geometry (kernel, stride,
 * padding rule, dilation), activations, and the {@link org.dynconv.config.Check} helpers every
 * record validates with.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the input end: validated settings every later step is built from.
 */
package org.dynconv.config;

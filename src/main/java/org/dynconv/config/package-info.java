/**
 * Immutable, validated configuration shared by every layer: convolution geometry (kernel, stride,
 * padding rule, dilation), activations, and the {@link org.dynconv.config.Check} helpers every
 * record validates with.
 */
package org.dynconv.config;

/**
 * dynconv's own TensorFlow kernels: a native library written against TensorFlow's C op and kernel
 * API (src/main/c), built by the Maven build with the system's C compiler, shipped in the jar and
 * loaded into TF Java's runtime with {@code TensorFlow.loadLibrary}. It sits in the convolution
 * step of the data flow, beside the strategies of {@link org.dynconv.conv}; where it is absent
 * (no compiler at build time, another platform) dynconv runs on TensorFlow's own ops.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the convolution.
 */
package org.dynconv.conv.kernels;

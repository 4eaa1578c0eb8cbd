/**
 * Per-example convolution strategies (GROUPED, DEPTHWISE_FOLD, BATCHED_MATMUL, LOOP, FUSED, TAPS)
 * and AUTO, which picks the fastest measured one that can compute and, in training, differentiate
 * a layer.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the convolution, after mixing.
 */
package org.dynconv.conv;

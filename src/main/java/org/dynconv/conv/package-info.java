/**
 * Per-example convolution strategies (GROUPED, DEPTHWISE_FOLD, BATCHED_MATMUL, LOOP, FUSED, TAPS)
 * and AUTO, which picks the fastest measured one that can compute and, in training, differentiate
 * a layer.
 */
package org.dynconv.conv;

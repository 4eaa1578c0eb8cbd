/**
 * SavedModel export (serving_default and routing signatures, atomic writes, BatchNorm folding) of
 * a training run or of weights.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): export, after training.
 */
package org.dynconv.export;

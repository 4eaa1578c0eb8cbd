/**
 * Import of Google's EfficientNet(-CondConv) checkpoints by matching their keys to dynconv's
 * variables.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): export's counterpart: Google's trained weights into dynconv's models.
 */
package org.dynconv.importer;

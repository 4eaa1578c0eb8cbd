/**
 * A reader of TensorFlow V2 checkpoints (the tensor bundle format), used to import Google's
 * checkpoints and to list a checkpoint's keys.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): beside train and export: reading what they wrote.
 */
package org.dynconv.checkpoint;

/**
 * Inference: {@link org.dynconv.infer.Predictor} (a loaded SavedModel, thread-safe) and {@link
 * org.dynconv.infer.InferenceModel} (a model built from its definition with weights loaded).
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): export and serve: running a model after training.
 */
package org.dynconv.infer;

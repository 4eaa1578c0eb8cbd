/**
 * Inference: {@link org.dynconv.infer.Predictor} (a loaded SavedModel, thread-safe) and {@link
 * org.dynconv.infer.InferenceModel} (a model built from its definition with weights loaded).
 */
package org.dynconv.infer;

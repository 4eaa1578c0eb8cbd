/**
 * Training: {@link org.dynconv.train.Trainer} (any {@link org.dynconv.models.ModelSpec}), {@link
 * org.dynconv.train.TrainConfig} and its builder, optimizers with TF1 slot names, schedules, EMA,
 * atomic resumable checkpoints, callbacks and early stopping.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): train, after the model.
 */
package org.dynconv.train;

/**
 * Training: {@link org.dynconv.train.Trainer} (any {@link org.dynconv.models.ModelSpec}), {@link
 * org.dynconv.train.TrainConfig} and its builder, optimizers with TF1 slot names, schedules, EMA,
 * atomic resumable checkpoints, callbacks and early stopping.
 */
package org.dynconv.train;

package org.dynconv.train;

import java.util.Map;

/**
 * Hooks into a training run, called on the training thread in this order: {@link #onStep} after
 * every step, {@link #onEpochEnd} after each epoch's validation, {@link #onCheckpoint} after each
 * checkpoint is on disk. Every method does nothing by default; an exception thrown by a hook stops
 * training (the last checkpoint stays).
 */
public interface TrainingCallback {
  /** After a step: its loss and batch accuracy, and the learning rate and temperature it used. */
  default void onStep(long step, double loss, double accuracy, double learningRate,
      double temperature) {}

  /** What {@link #everyStep} calls: one step's numbers. */
  @FunctionalInterface
  interface Step {
    void onStep(long step, double loss, double accuracy, double learningRate, double temperature);
  }

  /** A callback that only watches steps, from a lambda (like Keras' {@code LambdaCallback}). */
  static TrainingCallback everyStep(Step f) {
    return new TrainingCallback() {
      @Override
      public void onStep(long step, double loss, double accuracy, double learningRate,
          double temperature) {
        f.onStep(step, loss, accuracy, learningRate, temperature);
      }
    };
  }

  /** After an epoch's validation. */
  default void onEpochEnd(EpochSummary epoch) {}

  /** After a checkpoint was written (at epoch ends, every N steps, and when stopping). */
  default void onCheckpoint(CheckpointStore.Checkpoint checkpoint) {}

  /**
   * One epoch, as {@code log.csv} records it.
   *
   * @param epoch 1-based
   * @param step global steps taken
   * @param validationAccuracy accuracy on the validation (test) source
   * @param bestValidationAccuracy the best so far, this epoch included
   * @param temperature the temperature of the epoch's last step (NaN without annealing)
   * @param routingEntropy per conditional layer, the mean entropy of its routing weights
   */
  record EpochSummary(int epoch, long step, double trainLoss, double trainAccuracy,
      double validationAccuracy, double bestValidationAccuracy, double temperature,
      double learningRate, double seconds, Map<String, Double> routingEntropy) {}
}

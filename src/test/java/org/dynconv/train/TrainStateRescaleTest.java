package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Resuming with another number of workers: the images of the epoch already seen stay seen, and
 * the step count follows the new global batch, so the schedules continue at the same point.
 */
class TrainStateRescaleTest {
  @Test
  void sameGlobalBatchKeepsTheState() {
    TrainState s = new TrainState(70, 2, 10, 1.5, 0.8, 5.0, 4.0, 0, 64);
    assertEquals(s, Trainer.rescale(s, 64, 30, 64));
  }

  @Test
  void halvingTheWorkersDoublesTheSteps() {
    // 2 epochs of 30 steps of 64 images, then 10 steps: 640 images into epoch 3.
    TrainState s = new TrainState(70, 2, 10, 1.5, 0.8, 5.0, 4.0, 1, 64);
    TrainState r = Trainer.rescale(s, 32, 60, 64);
    assertEquals(2 * 60 + 20, r.step());
    assertEquals(20, r.stepInEpoch());
    assertEquals(2, r.epoch());
    // The epoch's running means (sums over steps / steps) are unchanged.
    assertEquals(5.0 / 10, r.epochLossSum() / r.stepInEpoch(), 1e-12);
    assertEquals(4.0 / 10, r.epochAccuracySum() / r.stepInEpoch(), 1e-12);
    assertEquals(32, r.imagesPerStep());
  }

  @Test
  void aCheckpointWithoutItsBatchUsesTheLegacyOne() {
    TrainState s = new TrainState(12, 0, 12, 1, Double.NaN, 1, 1, 0, 0);
    assertEquals(6, Trainer.rescale(s, 64, 10, 32).stepInEpoch());
  }

  @Test
  void aPositionBetweenStepsOfTheNewBatchIsRefused() {
    TrainState s = new TrainState(3, 0, 3, 1, Double.NaN, 1, 1, 0, 32);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Trainer.rescale(s, 64, 10, 32));
    assertEquals(true, e.getMessage().contains("96"), e.getMessage());
  }
}

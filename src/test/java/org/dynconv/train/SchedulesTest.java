package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Schedule values at chosen steps, computed by hand. */
class SchedulesTest {
  @Test
  void temperatureIsLinearFrom30To1ThenFlat() {
    // 10 epochs of 100 steps: T(step) = 1 + 29 * (1 - step / 1000).
    TemperatureSchedule t = new TemperatureSchedule(30, 1, 1000);
    assertEquals(30.0, t.at(0), 1e-12);
    assertEquals(15.5, t.at(500), 1e-12);
    assertEquals(1.029, t.at(999), 1e-12);
    assertEquals(1.0, t.at(1000), 1e-12);
    assertEquals(1.0, t.at(5000), 1e-12);
    assertEquals(1.0, new TemperatureSchedule(30, 1, 0).at(0), 1e-12);
  }

  @Test
  void learningRates() {
    var cos = new LearningRateSchedule.Cosine(0.1, 100, 0);
    assertEquals(0.1, cos.at(0), 1e-12);
    assertEquals(0.05, cos.at(50), 1e-12);
    assertEquals(0.1 * (1 + Math.cos(Math.PI * 0.25)) / 2, cos.at(25), 1e-12);
    assertEquals(0.0, cos.at(100), 1e-12);
    var step = new LearningRateSchedule.StepDecay(1.0, 0.1, 30);
    assertEquals(1.0, step.at(29), 1e-12);
    assertEquals(0.1, step.at(30), 1e-12);
    assertEquals(0.01, step.at(61), 1e-12);
    var warm = new LearningRateSchedule.Warmup(new LearningRateSchedule.Constant(0.4), 4);
    assertEquals(0.1, warm.at(0), 1e-12);
    assertEquals(0.3, warm.at(2), 1e-12);
    assertEquals(0.4, warm.at(3), 1e-12);
    assertEquals(0.4, warm.at(10), 1e-12);
  }

  @Test
  void badValuesAreNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> new TemperatureSchedule(0, 1, 10));
    assertEquals("TemperatureSchedule: start=0.0 is invalid; expected a finite start > 0.",
        e.getMessage());
  }
}

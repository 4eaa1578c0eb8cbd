package org.dynconv.train;

import org.dynconv.config.Check;

/**
 * DynamicConv's softmax temperature, linear from {@code start} to {@code end} over the first
 * {@code annealSteps} steps, then {@code end}; updated every step (Chen et al.: 30 to 1 over the
 * first 10 epochs).
 */
public record TemperatureSchedule(double start, double end, long annealSteps) {
  public TemperatureSchedule {
    Check.positiveFinite("TemperatureSchedule", "start", start);
    Check.positiveFinite("TemperatureSchedule", "end", end);
    if (annealSteps < 0) {
      throw Check.invalid("TemperatureSchedule", "annealSteps", annealSteps, "annealSteps >= 0");
    }
  }

  public double at(long step) {
    if (annealSteps == 0 || step >= annealSteps) {
      return end;
    }
    return end + (start - end) * (1 - (double) step / annealSteps);
  }
}

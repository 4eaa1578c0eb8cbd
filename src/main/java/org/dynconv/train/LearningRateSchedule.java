package org.dynconv.train;

import org.dynconv.config.Check;

/**
 * The learning rate as a function of the global step (0-based). Evaluated in Java and fed to the
 * graph every step.
 */
public interface LearningRateSchedule {
  double at(long step);

  /** The same rate at every step. */
  record Constant(double rate) implements LearningRateSchedule {
    public Constant {
      Check.positiveFinite("Constant", "rate", rate);
    }

    @Override
    public double at(long step) {
      return rate;
    }
  }

  /** {@code rate * factor^floor(step / every)}. */
  record StepDecay(double rate, double factor, long every) implements LearningRateSchedule {
    public StepDecay {
      Check.positiveFinite("StepDecay", "rate", rate);
      Check.positiveFinite("StepDecay", "factor", factor);
      Check.positive("StepDecay", "every", every);
    }

    @Override
    public double at(long step) {
      return rate * Math.pow(factor, Math.floorDiv(step, every));
    }
  }

  /** {@code min + (rate - min) * (1 + cos(pi * step / total)) / 2}, then {@code min}. */
  record Cosine(double rate, long total, double min) implements LearningRateSchedule {
    public Cosine {
      Check.positiveFinite("Cosine", "rate", rate);
      Check.positive("Cosine", "total", total);
      Check.nonNegativeFinite("Cosine", "min", min);
    }

    @Override
    public double at(long step) {
      double t = Math.min(1.0, (double) step / total);
      return min + (rate - min) * (1 + Math.cos(Math.PI * t)) / 2;
    }
  }

  /**
   * Linear warm-up: {@code after.at(warmup) * (step + 1) / warmup} for the first {@code warmup}
   * steps, then {@code after}.
   */
  record Warmup(LearningRateSchedule after, long warmup) implements LearningRateSchedule {
    public Warmup {
      Check.notNull("Warmup", "after", after);
      Check.positive("Warmup", "warmup", warmup);
    }

    @Override
    public double at(long step) {
      return step < warmup ? after.at(warmup) * (step + 1) / warmup : after.at(step);
    }
  }
}

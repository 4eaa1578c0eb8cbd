package org.dynconv.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a run is: the next step to take, the epoch and the position in it, and the temperature
 * last fed. Stored with each checkpoint ({@code state.properties}).
 *
 * @param step global steps taken
 * @param epoch the epoch the next step belongs to (0-based)
 * @param stepInEpoch steps of that epoch already taken
 * @param temperature DynamicConv temperature of the last step taken
 * @param bestTestAccuracy best validation accuracy so far (NaN before the first validation)
 * @param epochLossSum sum of the losses of the epoch's steps so far (for the epoch's mean)
 * @param epochAccuracySum sum of their batch accuracies
 * @param epochsWithoutImprovement validations since the best one (for early stopping)
 * @param imagesPerStep images in one step over all workers (the global batch); 0 in checkpoints
 *     written before it was recorded
 */
public record TrainState(long step, int epoch, int stepInEpoch, double temperature,
    double bestTestAccuracy, double epochLossSum, double epochAccuracySum,
    int epochsWithoutImprovement, long imagesPerStep) {
  public static TrainState start(double temperature, long imagesPerStep) {
    return new TrainState(0, 0, 0, temperature, Double.NaN, 0, 0, 0, imagesPerStep);
  }

  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", "1");
    m.put("step", Long.toString(step));
    m.put("epoch", Integer.toString(epoch));
    m.put("stepInEpoch", Integer.toString(stepInEpoch));
    m.put("temperature", Double.toString(temperature));
    m.put("bestTestAccuracy", Double.toString(bestTestAccuracy));
    m.put("epochLossSum", Double.toString(epochLossSum));
    m.put("epochAccuracySum", Double.toString(epochAccuracySum));
    m.put("epochsWithoutImprovement", Integer.toString(epochsWithoutImprovement));
    m.put("imagesPerStep", Long.toString(imagesPerStep));
    return m;
  }

  public static TrainState fromMap(Map<String, String> m, String source) {
    try {
      if (!"1".equals(m.get("format"))) {
        throw new IllegalStateException("TrainState: '" + source + "' has format "
            + m.get("format") + "; expected 1.");
      }
      return new TrainState(Long.parseLong(m.get("step")), Integer.parseInt(m.get("epoch")),
          Integer.parseInt(m.get("stepInEpoch")), Double.parseDouble(m.get("temperature")),
          Double.parseDouble(m.get("bestTestAccuracy")),
          Double.parseDouble(m.getOrDefault("epochLossSum", "0")),
          Double.parseDouble(m.getOrDefault("epochAccuracySum", "0")),
          Integer.parseInt(m.getOrDefault("epochsWithoutImprovement", "0")),
          Long.parseLong(m.getOrDefault("imagesPerStep", "0")));
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalStateException("TrainState: '" + source + "' is malformed: " + e);
    }
  }
}

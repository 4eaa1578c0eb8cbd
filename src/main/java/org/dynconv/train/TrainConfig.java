package org.dynconv.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dynconv.config.Check;

/**
 * Everything that determines a training run's numbers. Saved with the run ({@code
 * run.properties}) so that {@code --resume} continues with exactly the same settings.
 *
 * @param model zoo name, e.g. {@code small-cnn-condconv}
 * @param experts E or K for conditional models (0 = the model's default)
 * @param epochs >= 1
 * @param batchSize >= 1
 * @param seed seeds weights, data order, augmentation and dropout
 * @param optimizer sgd, adam or rmsprop
 * @param learningRate peak learning rate, > 0
 * @param momentum SGD or RMSProp momentum in [0, 1)
 * @param schedule constant, step or cosine
 * @param warmupEpochs linear warm-up length in epochs, >= 0
 * @param weightDecay L2 coefficient (Google's form, see {@link Losses#weightDecay}), >= 0
 * @param labelSmoothing in [0, 1)
 * @param clipNorm clip gradients to this global norm; 0 = off
 * @param emaDecay exponential moving average of the weights; 0 = off
 * @param temperatureStart DynamicConv temperature at step 0
 * @param temperatureEnd temperature after annealing
 * @param temperatureEpochs annealing length in epochs (may be fractional), >= 0
 * @param augment random crop (2 pixels of padding) and horizontal flip
 * @param checkpointEvery also checkpoint every this many steps; 0 = at epoch ends only
 * @param trainLimit use only the first N training images; 0 = all
 * @param initFrom warm-start from this SavedModel directory or checkpoint prefix ("" = none):
 *     every variable found there with the same shape, the others (a new head) initialised
 * @param numClasses classifier outputs; 0 = the model's own
 * @param resolution input size of an EfficientNet; 0 = the model's own
 */
public record TrainConfig(String model, int experts, int epochs, int batchSize, long seed,
    String optimizer, double learningRate, double momentum, String schedule, double warmupEpochs,
    double weightDecay, double labelSmoothing, double clipNorm, double emaDecay,
    double temperatureStart, double temperatureEnd, double temperatureEpochs, boolean augment,
    int checkpointEvery, int trainLimit, String initFrom, int numClasses, int resolution) {
  private static final String C = "TrainConfig";

  public TrainConfig {
    Check.notNull(C, "model", model);
    Check.inRange(C, "experts", experts, 0, 1024);
    Check.inRange(C, "epochs", epochs, 1, 100_000);
    Check.inRange(C, "batchSize", batchSize, 1, 65_536);
    if (!optimizer.equals("sgd") && !optimizer.equals("adam") && !optimizer.equals("rmsprop")) {
      throw Check.invalid(C, "optimizer", optimizer, "one of sgd, adam, rmsprop");
    }
    Check.positiveFinite(C, "learningRate", learningRate);
    Check.inHalfOpen(C, "momentum", momentum, 0, 1);
    if (!schedule.equals("constant") && !schedule.equals("step") && !schedule.equals("cosine")) {
      throw Check.invalid(C, "schedule", schedule, "one of constant, step, cosine");
    }
    Check.nonNegativeFinite(C, "warmupEpochs", warmupEpochs);
    Check.nonNegativeFinite(C, "weightDecay", weightDecay);
    Check.inHalfOpen(C, "labelSmoothing", labelSmoothing, 0, 1);
    Check.nonNegativeFinite(C, "clipNorm", clipNorm);
    Check.inHalfOpen(C, "emaDecay", emaDecay, 0, 1);
    Check.positiveFinite(C, "temperatureStart", temperatureStart);
    Check.positiveFinite(C, "temperatureEnd", temperatureEnd);
    Check.nonNegativeFinite(C, "temperatureEpochs", temperatureEpochs);
    Check.atLeast(C, "checkpointEvery", checkpointEvery, 0);
    Check.atLeast(C, "trainLimit", trainLimit, 0);
    Check.notNull(C, "initFrom", initFrom);
    Check.inRange(C, "numClasses", numClasses, 0, 100_000);
    Check.inRange(C, "resolution", resolution, 0, 4096);
  }

  /** The same settings without warm start or model overrides (the earlier constructor). */
  public TrainConfig(String model, int experts, int epochs, int batchSize, long seed,
      String optimizer, double learningRate, double momentum, String schedule, double warmupEpochs,
      double weightDecay, double labelSmoothing, double clipNorm, double emaDecay,
      double temperatureStart, double temperatureEnd, double temperatureEpochs, boolean augment,
      int checkpointEvery, int trainLimit) {
    this(model, experts, epochs, batchSize, seed, optimizer, learningRate, momentum, schedule,
        warmupEpochs, weightDecay, labelSmoothing, clipNorm, emaDecay, temperatureStart,
        temperatureEnd, temperatureEpochs, augment, checkpointEvery, trainLimit, "", 0, 0);
  }

  /** The model these settings train: zoo name, experts, classes and resolution applied. */
  public org.dynconv.models.ModelSpec modelSpec() {
    org.dynconv.models.ModelSpec spec = org.dynconv.models.ModelZoo.get(model, experts);
    if (resolution > 0) {
      if (!(spec instanceof org.dynconv.models.EfficientNet e)) {
        throw new IllegalArgumentException("TrainConfig: resolution=" + resolution + " applies to"
            + " EfficientNet models only; model '" + model + "' has a fixed input size.");
      }
      spec = e.withResolution(resolution);
    }
    if (numClasses > 0) {
      spec = spec.withNumClasses(numClasses);
    }
    return spec;
  }

  /** The defaults of {@code train} with no arguments: the CondConv CNN on the embedded subset. */
  public static TrainConfig defaults() {
    return new TrainConfig("small-cnn-condconv", 0, 8, 64, 1, "sgd", 0.05, 0.9, "cosine", 0.5,
        5e-4, 0.0, 0.0, 0.0, 30, 1, 2, false, 0, 0);
  }

  /** As ordered key-value pairs, for {@code run.properties}. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("experts", Integer.toString(experts));
    m.put("epochs", Integer.toString(epochs));
    m.put("batchSize", Integer.toString(batchSize));
    m.put("seed", Long.toString(seed));
    m.put("optimizer", optimizer);
    m.put("learningRate", Double.toString(learningRate));
    m.put("momentum", Double.toString(momentum));
    m.put("schedule", schedule);
    m.put("warmupEpochs", Double.toString(warmupEpochs));
    m.put("weightDecay", Double.toString(weightDecay));
    m.put("labelSmoothing", Double.toString(labelSmoothing));
    m.put("clipNorm", Double.toString(clipNorm));
    m.put("emaDecay", Double.toString(emaDecay));
    m.put("temperatureStart", Double.toString(temperatureStart));
    m.put("temperatureEnd", Double.toString(temperatureEnd));
    m.put("temperatureEpochs", Double.toString(temperatureEpochs));
    m.put("augment", Boolean.toString(augment));
    m.put("checkpointEvery", Integer.toString(checkpointEvery));
    m.put("trainLimit", Integer.toString(trainLimit));
    m.put("initFrom", initFrom);
    m.put("numClasses", Integer.toString(numClasses));
    m.put("resolution", Integer.toString(resolution));
    return m;
  }

  /** Parses {@link #toMap()}'s output; {@code source} names the file in errors. */
  public static TrainConfig fromMap(Map<String, String> m, String source) {
    try {
      return new TrainConfig(req(m, "model", source), Integer.parseInt(req(m, "experts", source)),
          Integer.parseInt(req(m, "epochs", source)), Integer.parseInt(req(m, "batchSize", source)),
          Long.parseLong(req(m, "seed", source)), req(m, "optimizer", source),
          Double.parseDouble(req(m, "learningRate", source)),
          Double.parseDouble(req(m, "momentum", source)), req(m, "schedule", source),
          Double.parseDouble(req(m, "warmupEpochs", source)),
          Double.parseDouble(req(m, "weightDecay", source)),
          Double.parseDouble(req(m, "labelSmoothing", source)),
          Double.parseDouble(req(m, "clipNorm", source)),
          Double.parseDouble(req(m, "emaDecay", source)),
          Double.parseDouble(req(m, "temperatureStart", source)),
          Double.parseDouble(req(m, "temperatureEnd", source)),
          Double.parseDouble(req(m, "temperatureEpochs", source)),
          Boolean.parseBoolean(req(m, "augment", source)),
          Integer.parseInt(req(m, "checkpointEvery", source)),
          Integer.parseInt(req(m, "trainLimit", source)), req(m, "initFrom", source),
          Integer.parseInt(req(m, "numClasses", source)),
          Integer.parseInt(req(m, "resolution", source)));
    } catch (NumberFormatException e) {
      throw new IllegalStateException("TrainConfig: '" + source + "' has a malformed number ("
          + e.getMessage() + ").");
    }
  }

  private static String req(Map<String, String> m, String key, String source) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalStateException("TrainConfig: '" + source + "' has no '" + key + "' entry.");
    }
    return v;
  }
}

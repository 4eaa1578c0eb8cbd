package org.dynconv.train;

import java.util.Map;
import org.dynconv.config.Check;
import org.dynconv.io.RecordProperties;

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
 * @param decayRouting apply weight decay to routing and attention parameters too (on by default,
 *     as the official DCD and ODConv code and the public DynamicConv code do; measured on
 *     Fashion-MNIST it does not change DynamicConv's attention entropy, see src/site/markdown/results/study.md)
 * @param earlyStoppingPatience stop when the validation accuracy has not improved for this many
 *     epochs (Keras' {@code EarlyStopping(monitor="val_accuracy", patience=N)}); 0 = off
 *
 * <p>Build it with {@link #builder()}, which starts from the defaults of {@code train} and sets
 * what differs by name. The canonical constructor exists because this is a record (it is written
 * to and read from {@code run.properties} component by component); it validates every value.
 */
public record TrainConfig(String model, int experts, int epochs, int batchSize, long seed,
    String optimizer, double learningRate, double momentum, String schedule, double warmupEpochs,
    double weightDecay, double labelSmoothing, double clipNorm, double emaDecay,
    double temperatureStart, double temperatureEnd, double temperatureEpochs, boolean augment,
    int checkpointEvery, int trainLimit, String initFrom, int numClasses, int resolution,
    boolean decayRouting, int earlyStoppingPatience) {
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
    Check.inRange(C, "earlyStoppingPatience", earlyStoppingPatience, 0, 100_000);
  }

  /**
   * The model these settings train: zoo name, experts, classes and resolution applied, and the
   * temperature input defaulting to the final temperature (what validation and export run at).
   */
  public org.dynconv.models.ModelSpec modelSpec() {
    return applyTo(org.dynconv.models.ModelZoo.get(model));
  }

  /**
   * {@code spec} (a zoo model or one of the caller's own) with these settings' experts, classes,
   * resolution and final temperature applied; each override is an error for a model that does not
   * support it.
   */
  public org.dynconv.models.ModelSpec applyTo(org.dynconv.models.ModelSpec spec) {
    if (experts > 0) {
      spec = spec.withExperts(experts);
    }
    if (resolution > 0) {
      if (!(spec instanceof org.dynconv.models.EfficientNet e)) {
        throw new IllegalArgumentException("TrainConfig: resolution=" + resolution + " applies to"
            + " EfficientNet models only; model '" + spec.name() + "' has a fixed input size.");
      }
      spec = e.withResolution(resolution);
    }
    if (numClasses > 0) {
      spec = spec.withNumClasses(numClasses);
    }
    return spec.withFinalTemperature(temperatureEnd);
  }

  /** The defaults of {@code train} with no arguments: the CondConv CNN on the embedded subset. */
  public static TrainConfig defaults() {
    return new TrainConfig("small-cnn-condconv", 0, 8, 64, 1, "sgd", 0.05, 0.9, "cosine", 0.5,
        5e-4, 0.0, 0.0, 0.0, 30, 1, 2, false, 0, 0, "", 0, 0, true, 0);
  }

  /** As ordered key-value pairs keyed by component name, for {@code run.properties}. */
  public Map<String, String> toMap() {
    return RecordProperties.toMap(this);
  }

  /**
   * Parses {@link #toMap()}'s output; {@code source} names the file in errors. Runs written before
   * {@code decayRouting} existed decayed routing parameters, so a missing entry reads as true;
   * before {@code earlyStoppingPatience}, none stopped early (0).
   */
  public static TrainConfig fromMap(Map<String, String> m, String source) {
    Map<String, String> withDefaults = new java.util.LinkedHashMap<>(m);
    withDefaults.putIfAbsent("decayRouting", "true");
    withDefaults.putIfAbsent("earlyStoppingPatience", "0");
    return RecordProperties.fromMap(TrainConfig.class, withDefaults, source);
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Sets what differs from a starting configuration; {@link #build} validates through the
   * record's constructor. Method names are the record's component names.
   */
  public static final class Builder {
    private String model;
    private int experts;
    private int epochs;
    private int batchSize;
    private long seed;
    private String optimizer;
    private double learningRate;
    private double momentum;
    private String schedule;
    private double warmupEpochs;
    private double weightDecay;
    private double labelSmoothing;
    private double clipNorm;
    private double emaDecay;
    private double temperatureStart;
    private double temperatureEnd;
    private double temperatureEpochs;
    private boolean augment;
    private int checkpointEvery;
    private int trainLimit;
    private String initFrom;
    private int numClasses;
    private int resolution;
    private boolean decayRouting;
    private int earlyStoppingPatience;

    private Builder(TrainConfig c) {
      model = c.model;
      experts = c.experts;
      epochs = c.epochs;
      batchSize = c.batchSize;
      seed = c.seed;
      optimizer = c.optimizer;
      learningRate = c.learningRate;
      momentum = c.momentum;
      schedule = c.schedule;
      warmupEpochs = c.warmupEpochs;
      weightDecay = c.weightDecay;
      labelSmoothing = c.labelSmoothing;
      clipNorm = c.clipNorm;
      emaDecay = c.emaDecay;
      temperatureStart = c.temperatureStart;
      temperatureEnd = c.temperatureEnd;
      temperatureEpochs = c.temperatureEpochs;
      augment = c.augment;
      checkpointEvery = c.checkpointEvery;
      trainLimit = c.trainLimit;
      initFrom = c.initFrom;
      numClasses = c.numClasses;
      resolution = c.resolution;
      decayRouting = c.decayRouting;
      earlyStoppingPatience = c.earlyStoppingPatience;
    }

    /** A zoo name; a model of the caller's own is given to the trainer instead. */
    public Builder model(String v) {
      model = v;
      return this;
    }

    public Builder experts(int v) {
      experts = v;
      return this;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** "sgd", "adam" or "rmsprop". */
    public Builder optimizer(String v) {
      optimizer = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    /** "constant", "step" or "cosine". */
    public Builder schedule(String v) {
      schedule = v;
      return this;
    }

    public Builder warmupEpochs(double v) {
      warmupEpochs = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    public Builder clipNorm(double v) {
      clipNorm = v;
      return this;
    }

    public Builder emaDecay(double v) {
      emaDecay = v;
      return this;
    }

    /** Anneal the temperature from {@code start} to {@code end} over {@code epochs} epochs. */
    public Builder temperature(double start, double end, double epochs) {
      temperatureStart = start;
      temperatureEnd = end;
      temperatureEpochs = epochs;
      return this;
    }

    public Builder augment(boolean v) {
      augment = v;
      return this;
    }

    public Builder checkpointEvery(int v) {
      checkpointEvery = v;
      return this;
    }

    public Builder trainLimit(int v) {
      trainLimit = v;
      return this;
    }

    public Builder initFrom(String v) {
      initFrom = v;
      return this;
    }

    public Builder numClasses(int v) {
      numClasses = v;
      return this;
    }

    public Builder resolution(int v) {
      resolution = v;
      return this;
    }

    public Builder decayRouting(boolean v) {
      decayRouting = v;
      return this;
    }

    public Builder earlyStoppingPatience(int v) {
      earlyStoppingPatience = v;
      return this;
    }

    public TrainConfig build() {
      return new TrainConfig(model, experts, epochs, batchSize, seed, optimizer, learningRate,
          momentum, schedule, warmupEpochs, weightDecay, labelSmoothing, clipNorm, emaDecay,
          temperatureStart, temperatureEnd, temperatureEpochs, augment, checkpointEvery,
          trainLimit, initFrom, numClasses, resolution, decayRouting, earlyStoppingPatience);
    }
  }
}

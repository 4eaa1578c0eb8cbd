package org.dynconv.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dynconv.config.Check;

/**
 * Everything that determines a training run's numbers. Saved with the run ({@code
 * run.properties}) so that {@code --resume} continues with exactly the same settings.
 *
 * <p>The settings:
 *
 * <ul>
 *   <li>{@code model}: zoo name, e.g. {@code small-cnn-condconv}
 *   <li>{@code experts}: E or K for conditional models (0 = the model's default)
 *   <li>{@code epochs}: >= 1
 *   <li>{@code batchSize}: >= 1
 *   <li>{@code seed}: seeds weights, data order, augmentation and dropout
 *   <li>{@code optimizer}: sgd, adam or rmsprop
 *   <li>{@code learningRate}: peak learning rate, > 0
 *   <li>{@code momentum}: SGD or RMSProp momentum in [0, 1)
 *   <li>{@code schedule}: constant, step or cosine
 *   <li>{@code warmupEpochs}: linear warm-up length in epochs, >= 0
 *   <li>{@code weightDecay}: L2 coefficient (Google's form, see {@link Losses#weightDecay}), >= 0
 *   <li>{@code labelSmoothing}: in [0, 1)
 *   <li>{@code clipNorm}: clip gradients to this global norm; 0 = off
 *   <li>{@code emaDecay}: exponential moving average of the weights; 0 = off
 *   <li>{@code temperatureStart}: DynamicConv temperature at step 0
 *   <li>{@code temperatureEnd}: temperature after annealing
 *   <li>{@code temperatureEpochs}: annealing length in epochs (may be fractional), >= 0
 *   <li>{@code augment}: random crop (2 pixels of padding) and horizontal flip
 *   <li>{@code checkpointEvery}: also checkpoint every this many steps; 0 = at epoch ends only
 *   <li>{@code trainLimit}: use only the first N training images; 0 = all
 *   <li>{@code initFrom}: warm-start from this SavedModel directory or checkpoint prefix ("" = none):
 *       every variable found there with the same shape, the others (a new head) initialised
 *   <li>{@code numClasses}: classifier outputs; 0 = the model's own
 *   <li>{@code resolution}: input size of an EfficientNet; 0 = the model's own
 *   <li>{@code decayRouting}: apply weight decay to routing and attention parameters too (on by default,
 *       as the official DCD and ODConv code and the public DynamicConv code do; measured on
 *       Fashion-MNIST it does not change DynamicConv's attention entropy, see src/site/markdown/results/study.md)
 *   <li>{@code earlyStoppingPatience}: stop when the validation accuracy has not improved for this many
 *       epochs (Keras' {@code EarlyStopping(monitor="val_accuracy", patience=N)}); 0 = off
 * </ul>
 *
 * <p>Built only by {@link #builder()} (the defaults of {@code train}, then what differs, by name)
 * or read back from {@code run.properties} ({@link #fromMap}); {@link Builder#build} validates
 * every value. Immutable; equal when every setting is.
 */
public final class TrainConfig {
  private static final String C = "TrainConfig";

  private final String model;
  private final int experts;
  private final int epochs;
  private final int batchSize;
  private final long seed;
  private final String optimizer;
  private final double learningRate;
  private final double momentum;
  private final String schedule;
  private final double warmupEpochs;
  private final double weightDecay;
  private final double labelSmoothing;
  private final double clipNorm;
  private final double emaDecay;
  private final double temperatureStart;
  private final double temperatureEnd;
  private final double temperatureEpochs;
  private final boolean augment;
  private final int checkpointEvery;
  private final int trainLimit;
  private final String initFrom;
  private final int numClasses;
  private final int resolution;
  private final boolean decayRouting;
  private final int earlyStoppingPatience;

  private TrainConfig(Builder b) {
    model = b.model;
    experts = b.experts;
    epochs = b.epochs;
    batchSize = b.batchSize;
    seed = b.seed;
    optimizer = b.optimizer;
    learningRate = b.learningRate;
    momentum = b.momentum;
    schedule = b.schedule;
    warmupEpochs = b.warmupEpochs;
    weightDecay = b.weightDecay;
    labelSmoothing = b.labelSmoothing;
    clipNorm = b.clipNorm;
    emaDecay = b.emaDecay;
    temperatureStart = b.temperatureStart;
    temperatureEnd = b.temperatureEnd;
    temperatureEpochs = b.temperatureEpochs;
    augment = b.augment;
    checkpointEvery = b.checkpointEvery;
    trainLimit = b.trainLimit;
    initFrom = b.initFrom;
    numClasses = b.numClasses;
    resolution = b.resolution;
    decayRouting = b.decayRouting;
    earlyStoppingPatience = b.earlyStoppingPatience;
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

  public String model() {
    return model;
  }

  public int experts() {
    return experts;
  }

  public int epochs() {
    return epochs;
  }

  public int batchSize() {
    return batchSize;
  }

  public long seed() {
    return seed;
  }

  public String optimizer() {
    return optimizer;
  }

  public double learningRate() {
    return learningRate;
  }

  public double momentum() {
    return momentum;
  }

  public String schedule() {
    return schedule;
  }

  public double warmupEpochs() {
    return warmupEpochs;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public double labelSmoothing() {
    return labelSmoothing;
  }

  public double clipNorm() {
    return clipNorm;
  }

  public double emaDecay() {
    return emaDecay;
  }

  public double temperatureStart() {
    return temperatureStart;
  }

  public double temperatureEnd() {
    return temperatureEnd;
  }

  public double temperatureEpochs() {
    return temperatureEpochs;
  }

  public boolean augment() {
    return augment;
  }

  public int checkpointEvery() {
    return checkpointEvery;
  }

  public int trainLimit() {
    return trainLimit;
  }

  public String initFrom() {
    return initFrom;
  }

  public int numClasses() {
    return numClasses;
  }

  public int resolution() {
    return resolution;
  }

  public boolean decayRouting() {
    return decayRouting;
  }

  public int earlyStoppingPatience() {
    return earlyStoppingPatience;
  }

  /**
   * One setting as {@code run.properties} holds it: its key (the accessor's name), how to read it
   * from a config and how to set it on a builder from the file's text.
   */
  private record Setting(String key, java.util.function.Function<TrainConfig, Object> get,
      java.util.function.BiConsumer<Builder, String> set) {}

  /** Every setting in file order; a new setting is one line here, one field and one accessor. */
  private static final java.util.List<Setting> SETTINGS = java.util.List.of(
      new Setting("model", TrainConfig::model, (b, v) -> b.model = v),
      new Setting("experts", TrainConfig::experts, (b, v) -> b.experts = Integer.parseInt(v)),
      new Setting("epochs", TrainConfig::epochs, (b, v) -> b.epochs = Integer.parseInt(v)),
      new Setting("batchSize", TrainConfig::batchSize, (b, v) -> b.batchSize = Integer.parseInt(v)),
      new Setting("seed", TrainConfig::seed, (b, v) -> b.seed = Long.parseLong(v)),
      new Setting("optimizer", TrainConfig::optimizer, (b, v) -> b.optimizer = v),
      new Setting("learningRate", TrainConfig::learningRate, (b, v) -> b.learningRate = Double.parseDouble(v)),
      new Setting("momentum", TrainConfig::momentum, (b, v) -> b.momentum = Double.parseDouble(v)),
      new Setting("schedule", TrainConfig::schedule, (b, v) -> b.schedule = v),
      new Setting("warmupEpochs", TrainConfig::warmupEpochs, (b, v) -> b.warmupEpochs = Double.parseDouble(v)),
      new Setting("weightDecay", TrainConfig::weightDecay, (b, v) -> b.weightDecay = Double.parseDouble(v)),
      new Setting("labelSmoothing", TrainConfig::labelSmoothing, (b, v) -> b.labelSmoothing = Double.parseDouble(v)),
      new Setting("clipNorm", TrainConfig::clipNorm, (b, v) -> b.clipNorm = Double.parseDouble(v)),
      new Setting("emaDecay", TrainConfig::emaDecay, (b, v) -> b.emaDecay = Double.parseDouble(v)),
      new Setting("temperatureStart", TrainConfig::temperatureStart, (b, v) -> b.temperatureStart = Double.parseDouble(v)),
      new Setting("temperatureEnd", TrainConfig::temperatureEnd, (b, v) -> b.temperatureEnd = Double.parseDouble(v)),
      new Setting("temperatureEpochs", TrainConfig::temperatureEpochs, (b, v) -> b.temperatureEpochs = Double.parseDouble(v)),
      new Setting("augment", TrainConfig::augment, (b, v) -> b.augment = Boolean.parseBoolean(v)),
      new Setting("checkpointEvery", TrainConfig::checkpointEvery, (b, v) -> b.checkpointEvery = Integer.parseInt(v)),
      new Setting("trainLimit", TrainConfig::trainLimit, (b, v) -> b.trainLimit = Integer.parseInt(v)),
      new Setting("initFrom", TrainConfig::initFrom, (b, v) -> b.initFrom = v),
      new Setting("numClasses", TrainConfig::numClasses, (b, v) -> b.numClasses = Integer.parseInt(v)),
      new Setting("resolution", TrainConfig::resolution, (b, v) -> b.resolution = Integer.parseInt(v)),
      new Setting("decayRouting", TrainConfig::decayRouting, (b, v) -> b.decayRouting = Boolean.parseBoolean(v)),
      new Setting("earlyStoppingPatience", TrainConfig::earlyStoppingPatience, (b, v) -> b.earlyStoppingPatience = Integer.parseInt(v)));

  /** The defaults of {@code train} with no arguments (see {@link #defaults()}). */
  private static final TrainConfig DEFAULTS = new Builder().model("small-cnn-condconv")
      .epochs(8).batchSize(64).seed(1).optimizer("sgd").learningRate(0.05).momentum(0.9)
      .schedule("cosine").warmupEpochs(0.5).weightDecay(5e-4).temperature(30, 1, 2)
      .initFrom("").decayRouting(true).build();

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
    return DEFAULTS;
  }

  /** As ordered key-value pairs keyed by setting name, for {@code run.properties}. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Setting s : SETTINGS) {
      m.put(s.key(), String.valueOf(s.get().apply(this)));
    }
    return m;
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
    Builder b = new Builder(DEFAULTS);
    for (Setting s : SETTINGS) {
      String v = withDefaults.get(s.key());
      if (v == null) {
        throw new IllegalStateException(C + ": '" + source + "' has no '" + s.key() + "' entry.");
      }
      try {
        s.set().accept(b, v);
      } catch (NumberFormatException e) {
        throw new IllegalStateException(C + ": '" + source + "' has a malformed number ("
            + e.getMessage() + ").");
      }
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainConfig t && toMap().equals(t.toMap());
  }

  @Override
  public int hashCode() {
    return toMap().hashCode();
  }

  @Override
  public String toString() {
    return C + toMap();
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
   * Sets what differs from a starting configuration; {@link #build} validates. Method names are
   * the accessors' names.
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

    private Builder() {}

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
      return new TrainConfig(this);
    }
  }
}

package org.dynconv.models;

import java.util.Arrays;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;

/**
 * A model of the caller's own: a {@link Layer} (usually a {@link Sequential} of dynconv's {@link
 * Layers}) from normalised images {@code [B,H,W,C]} to logits {@code [B, classes]}. The trainer,
 * checkpoints, EMA, temperature annealing, export and analysis treat it as they treat the zoo's
 * models. dynconv supplies the inputs ({@code images} in 0..255, normalised here, the dropout seed
 * and the shared temperature) and the outputs ({@code logits}, {@code probabilities}); the layers
 * report their variables, updates, routing and multiply-adds to the {@link BuildContext} they are
 * called in, so nothing is registered by hand.
 *
 * <pre>{@code
 * ModelSpec spec = CustomModel.builder("my-net").input(32, 32, 3).classes(5)
 *     .annealsTemperature(true)
 *     .body(Sequential.of(Layers.conv2d(...), ..., Layers.dense(DenseConfig.of(5))))
 *     .build();
 * new Trainer(spec, TrainConfig.builder().epochs(3).build(), train, test, options).run();
 * }</pre>
 *
 * <p>Variables are named {@code <model name>/<layer name>/...}.
 */
public final class CustomModel implements ModelSpec {

  private final String name;
  private final int height;
  private final int width;
  private final int channels;
  private final int classes;
  private final InputNormalisation normalisation;
  private final boolean annealsTemperature;
  private final double temperature;
  private final Layer body;

  private CustomModel(Builder b) {
    String c = "CustomModel";
    Check.notNull(c, "name", b.name);
    if (!b.name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw Check.invalid(c, "name", b.name, "letters, digits, '_', '.' or '-' (it is the"
          + " variables' root scope)");
    }
    Check.inRange(c, "height", b.height, 1, 4096);
    Check.inRange(c, "width", b.width, 1, 4096);
    Check.inRange(c, "channels", b.channels, 1, 4096);
    Check.inRange(c, "classes", b.classes, 1, 100_000);
    Check.notNull(c, "body", b.body);
    Check.positiveFinite(c, "temperature", b.temperature);
    InputNormalisation n = b.normalisation != null ? b.normalisation : rescale(b.channels);
    if (n.mean().length != b.channels || n.std().length != b.channels) {
      throw new IllegalArgumentException(c + ": normalisation has " + n.mean().length + " means and "
          + n.std().length + " stds; expected one of each per channel (" + b.channels + ").");
    }
    this.name = b.name;
    this.height = b.height;
    this.width = b.width;
    this.channels = b.channels;
    this.classes = b.classes;
    this.normalisation = n;
    this.annealsTemperature = b.annealsTemperature;
    this.temperature = b.temperature;
    this.body = b.body;
  }

  /** x / 255 in every channel (Keras' {@code Rescaling(1/255)}). */
  private static InputNormalisation rescale(int channels) {
    float[] mean = new float[channels];
    float[] std = new float[channels];
    Arrays.fill(std, 255f);
    return new InputNormalisation(mean, std);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public boolean annealsTemperature() {
    return annealsTemperature;
  }

  @Override
  public String inputNormalisation() {
    return normalisation.describe();
  }

  @Override
  public ModelSpec withFinalTemperature(double t) {
    Builder b = toBuilder();
    b.temperature = t;
    return b.build();
  }

  @Override
  public Model build(LayerScope buildRoot, BuildOptions options) {
    return LayerModel.build("CustomModel", this, buildRoot, options, temperature, normalisation,
        body);
  }

  private Builder toBuilder() {
    Builder b = new Builder(name);
    b.height = height;
    b.width = width;
    b.channels = channels;
    b.classes = classes;
    b.normalisation = normalisation;
    b.annealsTemperature = annealsTemperature;
    b.temperature = temperature;
    b.body = body;
    return b;
  }

  /** Sets the model's shape and body; {@link #build} validates them. */
  public static final class Builder {
    private final String name;
    private int height;
    private int width;
    private int channels;
    private int classes;
    private InputNormalisation normalisation;
    private boolean annealsTemperature;
    private double temperature = 1.0;
    private Layer body;

    private Builder(String name) {
      this.name = name;
    }

    /** The input images' size: {@code [B, height, width, channels]}. */
    public Builder input(int height, int width, int channels) {
      this.height = height;
      this.width = width;
      this.channels = channels;
      return this;
    }

    public Builder classes(int classes) {
      this.classes = classes;
      return this;
    }

    /** {@code (x - mean[c]) / std[c]} on pixels in 0..255; x / 255 when not set. */
    public Builder normalisation(float[] mean, float[] std) {
      this.normalisation = new InputNormalisation(mean.clone(), std.clone());
      return this;
    }

    /**
     * Whether the model has DynamicConv or ODConv layers reading {@link BuildContext#temperature},
     * which the trainer then anneals.
     */
    public Builder annealsTemperature(boolean anneals) {
      this.annealsTemperature = anneals;
      return this;
    }

    /**
     * The layers from normalised images {@code [B,H,W,C]} to logits {@code [B, classes]}: a
     * {@link Layer}, or a lambda {@code (ctx, x) -> ...} calling layers in {@code ctx}.
     */
    public Builder body(Layer body) {
      this.body = body;
      return this;
    }

    public CustomModel build() {
      return new CustomModel(this);
    }
  }
}

package org.dynconv.models;

import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;

/** A model definition: data only until {@link #build} puts it into a graph. */
public interface ModelSpec {
  /** The model's name; also the root scope of its variables. */
  String name();

  int height();

  int width();

  int channels();

  int numClasses();

  /** Whether the model has DynamicConv or ODConv layers (and so a temperature input). */
  boolean annealsTemperature();

  /**
   * Builds the model under {@code root}: an {@code images} input of unknown batch, the layers and
   * the output. In TRAIN the model has a {@code step_seed} input for dropout and BatchNorm update
   * ops.
   */
  default Model build(LayerScope root, Mode mode) {
    return build(root, BuildOptions.of(mode));
  }

  /**
   * As {@link #build(LayerScope, Mode)} with a static batch size (-1 for unknown); a static batch
   * lets AUTO use strategies that need one (training graphs always feed full batches).
   */
  default Model build(LayerScope root, Mode mode, long batch) {
    return build(root, new BuildOptions(mode, batch, false));
  }

  /** Builds the model with all options (batch, folded BatchNorms). */
  Model build(LayerScope root, BuildOptions options);

  /** The same model with E (or K) experts per conditional layer. */
  default ModelSpec withExperts(int experts) {
    throw new IllegalArgumentException("ModelSpec: model '" + name()
        + "' has no experts; --experts applies to condconv, dynamic and odconv models only.");
  }

  /** The same model with a new classifier of {@code classes} outputs (fine-tuning). */
  default ModelSpec withNumClasses(int classes) {
    throw new IllegalArgumentException("ModelSpec: model '" + name()
        + "' has a fixed classifier; expected a model that supports a new head.");
  }

  /**
   * The same model with DynamicConv's temperature input defaulting to {@code temperature} (the
   * value an exported graph runs at); models without DynamicConv return themselves.
   */
  default ModelSpec withFinalTemperature(double temperature) {
    return this;
  }

  /** How pixels in 0..255 are normalised inside the graph, for documentation. */
  String inputNormalisation();
}

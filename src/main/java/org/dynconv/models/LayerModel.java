package org.dynconv.models;

import org.dynconv.graph.LayerScope;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.Layer;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Builds a {@link Model} whose body is a {@link Layer}, for the zoo's models and the caller's own
 * alike: the graph inputs ({@code images}, {@code step_seed} in TRAIN, {@code temperature} when the
 * model anneals it), the normalised images into the body under {@code <model name>/}, and the
 * outputs {@code logits} and {@code probabilities}. Everything else the model holds (variables,
 * updates, routing and attentions, multiply-adds, BatchNorm folds) is what the body's layers
 * reported to the build context.
 */
final class LayerModel {
  private LayerModel() {}

  /**
   * @param component names the model type in errors ({@code CustomModel})
   * @param temperature the default of the temperature input (the exported value)
   */
  static Model build(String component, ModelSpec spec, LayerScope buildRoot, BuildOptions options,
      double temperature, InputNormalisation normalisation, Layer body) {
    LayerScope root = options.scope(buildRoot);
    Operand<TFloat32> images = ModelInputs.images(root, spec, options.batch());
    Operand<TInt64> stepSeed = ModelInputs.stepSeed(root, options.mode());
    Operand<TFloat32> temp = ModelInputs.temperature(root, spec, (float) temperature);
    LayerScope scope = root.child(spec.name());
    BuildContext ctx = new BuildContext(scope, options.mode(), temp, stepSeed, options.rows(),
        options.foldBatchNorm());
    Operand<TFloat32> out = body.call(ctx, normalisation.apply(scope.ops(), images));
    if (out == null) {
      throw new IllegalStateException(component + " '" + spec.name() + "': the body returned null;"
          + " expected logits [B, " + spec.numClasses() + "].");
    }
    Shape shape = out.shape();
    if (shape.numDimensions() != 2 || (shape.size(1) >= 0 && shape.size(1) != spec.numClasses())) {
      throw new IllegalStateException(component + " '" + spec.name() + "': the body returned "
          + shape + "; expected logits [B, " + spec.numClasses() + "].");
    }
    Operand<TFloat32> logits = root.ops().withName("logits").identity(out);
    Operand<TFloat32> probs = root.ops().withName("probabilities").nn.softmax(logits);
    if (options.mode().training()) {
      ctx.checkTrainable();
    }
    return new Model(spec.name(), images, logits, probs, ctx.variables(), ctx.updates(),
        ctx.routingOutputs().routing(), ctx.routingOutputs().attentions(), temp, stepSeed,
        ctx.macs(), ctx.folds(), ctx.strategies());
  }
}

package org.dynconv.layers;

import org.dynconv.graph.LayerScope;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The static layers in the {@link Layer} call shape, over the implementations of {@link
 * org.dynconv.nn}: variable names and layouts are theirs ({@code kernel}, {@code bias}, {@code
 * gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}).
 */
final class PlainLayers {
  private PlainLayers() {}

  /** The static F of a {@code [B,F]} input, with an error naming the layer otherwise. */
  static int features(String component, LayerScope scope, Operand<TFloat32> x) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 2 || s.size(1) < 1) {
      throw new IllegalArgumentException(component + " '" + scope.path() + "': input shape " + s
          + " is not [B, F] with F static; flatten or pool first (Layers.globalAvgPool()).");
    }
    return (int) s.size(1);
  }

  /**
   * {@code Conv2D} with {@code kernel [kh,kw,Cin,filters]}, or {@code DepthwiseConv2dNative} with
   * {@code depthwise_kernel [kh,kw,C,M]}, by the config's kind.
   */
  static final class Conv extends BuiltOnce<Conv2d> {
    private final Conv2dConfig config;

    Conv(String name, Conv2dConfig config) {
      super(Layers.required("Conv2d", "config", config).kind().layerName("Conv2d"), name,
          config.kind().scopeName("conv2d"));
      this.config = config;
    }

    @Override
    protected Conv2d build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      Conv2d conv = Conv2d.create(scope, config, channels(scope, x));
      ctx.track(conv.variables());
      return conv;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, Conv2d conv, Operand<TFloat32> x) {
      Operand<TFloat32> y = conv.apply(x);
      ctx.macs(conv.macs((int) x.shape().size(1), (int) x.shape().size(2)));
      return y;
    }
  }

  /** {@code x W + b} on {@code [B,F]} with {@code kernel [F,units]}. */
  static final class Fc extends BuiltOnce<Dense> {
    private final DenseConfig config;

    Fc(String name, DenseConfig config) {
      super("Dense", name, "dense");
      this.config = Layers.required("Dense", "config", config);
    }

    @Override
    protected Dense build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      Dense dense = Dense.create(scope, config, features("Dense", scope, x));
      ctx.track(dense.variables());
      return dense;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, Dense dense, Operand<TFloat32> x) {
      ctx.macs(x.shape().size(1) * config.units());
      return dense.apply(x);
    }
  }

  /**
   * Batch normalisation over the last axis: batch statistics and moving-average updates in TRAIN
   * (reported to the context), moving statistics in INFER.
   */
  static final class Norm extends BuiltOnce<BatchNorm> {
    private final BatchNormConfig config;

    Norm(String name, BatchNormConfig config) {
      super("BatchNorm", name, "batch_normalization");
      this.config = Layers.required("BatchNorm", "config", config);
    }

    @Override
    protected BatchNorm build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      Shape s = x.shape();
      long channels = s.isUnknown() || s.numDimensions() < 2 ? -1 : s.size(s.numDimensions() - 1);
      if (channels < 1) {
        throw new IllegalArgumentException("BatchNorm '" + scope.path() + "': input shape "
            + x.shape() + " has no static last dimension; expected [B,...,C] with C known.");
      }
      BatchNorm bn = BatchNorm.create(scope, config, (int) channels);
      ctx.track(bn.variables());
      return bn;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, BatchNorm bn, Operand<TFloat32> x) {
      return ctx.forward(bn.apply(x, ctx.mode()));
    }
  }
}

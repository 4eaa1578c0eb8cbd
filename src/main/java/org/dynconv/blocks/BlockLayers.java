package org.dynconv.blocks;

import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.BuiltOnce;
import org.dynconv.layers.Layer;
import org.dynconv.nn.BatchNormConfig;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The zoo's blocks in the {@link Layer} call shape. Each builds its block on the first call, from
 * the input's static shape and the context (mode, BatchNorm folding, the shared temperature), and
 * reports its variables, BatchNorm folds, updates, routing and multiply-adds to the context; the
 * variable names are the blocks' own.
 */
public final class BlockLayers {
  private BlockLayers() {}

  /**
   * A {@link ConvBnAct} unit whose layers are named in the block scope {@code <scope>/<block>}
   * ({@code conv2d}, {@code batch_normalization}, ...); a depthwise unit keeps its input's width.
   */
  public static Layer convBnAct(String block, ConvType type, ConvKind kind, int filters,
      ConvGeometry geometry, int experts, BatchNormConfig bn, Activation activation,
      ConvBnAct.DcdRule dcdRule) {
    return new BuiltOnce<ConvBnAct>("ConvBnAct", block, null) {
      @Override
      protected ConvBnAct build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
        long[] nhwc = Shapes.requireNhwc("ConvBnAct", scope, x);
        int in = (int) nhwc[3];
        ConvBnAct unit = new ConvBnAct(scope, new ConvBnAct.Spec(type, kind, in,
            kind == ConvKind.DEPTHWISE ? in : filters, geometry, experts, bn, activation,
            (int) nhwc[1], (int) nhwc[2], ctx.foldBatchNorm(), dcdRule), temperature(ctx, type));
        ctx.track(unit.variables());
        ctx.trackFolds(unit.folds());
        return unit;
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, ConvBnAct unit, Operand<TFloat32> x) {
        ctx.macs(unit.macs());
        return ctx.forward(unit.apply(x, null, ctx.mode(), ctx.routingOutputs()));
      }
    };
  }

  /** MobileNetV2's {@link InvertedResidual} block under {@code <scope>/<block>}. */
  public static Layer invertedResidual(String block, ConvType type, int out, int stride, int t,
      int experts, BatchNormConfig bn) {
    return new BuiltOnce<InvertedResidual>("InvertedResidual", block, null) {
      @Override
      protected InvertedResidual build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
        long[] nhwc = Shapes.requireNhwc("InvertedResidual", scope, x);
        InvertedResidual b = new InvertedResidual(scope, type, (int) nhwc[3], out, stride, t,
            experts, bn, (int) nhwc[1], ctx.foldBatchNorm(), temperature(ctx, type));
        ctx.track(b.variables());
        ctx.trackFolds(b.folds());
        return b;
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, InvertedResidual b, Operand<TFloat32> x) {
        ctx.macs(b.macs());
        return ctx.forward(b.apply(x, ctx.mode(), ctx.routingOutputs()));
      }
    };
  }

  /**
   * Google's {@link MbConvBlock} number {@code index}, named in the calling scope ({@code
   * blocks_<index>}, and {@code model/blocks_<index>} for CondConv layers).
   *
   * @param condconvIndex the block's index among the model's CondConv blocks
   * @param survivalProb drop connect's survival probability in training
   */
  public static Layer mbConv(int index, BlockArgs args, BatchNormConfig bn, int experts,
      int condconvIndex, double survivalProb) {
    return new BuiltOnce<MbConvBlock>("MbConvBlock", "blocks_" + index, null) {
      @Override
      protected MbConvBlock build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
        long[] nhwc = Shapes.requireNhwc("MbConvBlock", scope, x);
        MbConvBlock b = new MbConvBlock(ctx.scope(), index, args, bn, experts, condconvIndex,
            (int) nhwc[1], (int) nhwc[2], ctx.foldBatchNorm());
        ctx.track(b.variables());
        ctx.trackFolds(b.folds());
        return b;
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, MbConvBlock b, Operand<TFloat32> x) {
        ctx.macs(b.macs());
        // Drop connect's salt 100 + index keeps its masks apart from the head dropout's (salt 1).
        return ctx.forward(b.apply(x, ctx.mode(), survivalProb, ctx.stepSeed(), 100 + index,
            ctx.rows(), ctx.routingOutputs()));
      }
    };
  }

  /**
   * The shared temperature for a family that reads it (DynamicConv, ODConv), else null: asking the
   * context for it would create a temperature input in a model that has none.
   */
  static Operand<TFloat32> temperature(BuildContext ctx, ConvType type) {
    return type.annealsTemperature() ? ctx.temperature() : null;
  }
}

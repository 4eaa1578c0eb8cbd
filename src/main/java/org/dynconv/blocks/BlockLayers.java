package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.BuiltOnce;
import org.dynconv.layers.Layer;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * The zoo's blocks in the {@link Layer} call shape. Each builds its block on the first call, from
 * the input's static shape and the context (mode, BatchNorm folding, the shared temperature), and
 * reports its variables, BatchNorm folds, updates, routing and multiply-adds to the context; the
 * variable names are the blocks' own.
 */
public final class BlockLayers {
  private BlockLayers() {}

  /** What a built block reports: every variable, its BatchNorm folds, its multiply-adds. */
  interface Block {
    List<VariableRef> variables();

    List<BatchNormFold> folds();

    /** Multiply-adds per image for the input size it was built for. */
    long macs();
  }

  /** Builds a block for an input of shape {@code nhwc} under {@code scope}. */
  private interface Create<B> {
    B create(BuildContext ctx, LayerScope scope, long[] nhwc);
  }

  /** A block's forward pass, reporting its routing to the context. */
  private interface Apply<B> {
    Forward apply(BuildContext ctx, B block, Operand<TFloat32> x);
  }

  /** A block as a layer under {@code <scope>/<name>}: what every block layer here shares. */
  private static <B extends Block> Layer layer(String component, String name, Create<B> create,
      Apply<B> apply) {
    return new BuiltOnce<B>(component, name, null) {
      @Override
      protected B build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
        B b = create.create(ctx, scope, Shapes.requireNhwc(component, scope, x));
        ctx.track(b.variables());
        ctx.trackFolds(b.folds());
        return b;
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, B b, Operand<TFloat32> x) {
        ctx.macs(b.macs());
        return ctx.forward(apply.apply(ctx, b, x));
      }
    };
  }

  /**
   * A {@link ConvBnAct} unit whose layers are named in the block scope {@code <scope>/<block>}
   * ({@code conv2d}, {@code batch_normalization}, ...); a depthwise unit keeps its input's width.
   */
  public static Layer convBnAct(String block, ConvType type, ConvKind kind, int filters,
      ConvGeometry geometry, int experts, BatchNormConfig bn, Activation activation,
      ConvBnAct.DcdRule dcdRule) {
    return layer("ConvBnAct", block, (ctx, scope, nhwc) -> {
      int in = (int) nhwc[3];
      return new ConvBnAct(scope, new ConvBnAct.Spec(type, kind, in,
          kind == ConvKind.DEPTHWISE ? in : filters, geometry, experts, bn, activation,
          (int) nhwc[1], (int) nhwc[2], ctx.foldBatchNorm(), dcdRule), temperature(ctx, type));
    }, (ctx, unit, x) -> unit.apply(ctx, x, null));
  }

  /** Two regular units and, for CondConv, the sigmoid routing {@code dense} they share. */
  private record ConvPair(SigmoidRouting routing, ConvBnAct first, ConvBnAct second, long h,
      long w) implements Block {
    @Override
    public List<VariableRef> variables() {
      List<VariableRef> vs = new ArrayList<>();
      if (routing != null) {
        vs.addAll(routing.variables());
      }
      vs.addAll(first.variables());
      vs.addAll(second.variables());
      return vs;
    }

    @Override
    public List<BatchNormFold> folds() {
      List<BatchNormFold> f = new ArrayList<>(first.folds());
      f.addAll(second.folds());
      return f;
    }

    @Override
    public long macs() {
      return (routing == null ? 0 : routing.macs(h, w)) + first.macs() + second.macs();
    }
  }

  /**
   * The small CNN's block under {@code <scope>/<block>}: conv 3x3 at {@code stride}, then conv
   * 3x3, each with BatchNorm and ReLU; in the CondConv variant both mix their experts with one
   * sigmoid routing {@code dense} computed from the block input.
   */
  public static Layer convPair(String block, ConvType type, int filters, int stride, int experts,
      BatchNormConfig bn) {
    return layer("ConvPair", block, (ctx, scope, nhwc) -> {
      int in = (int) nhwc[3], size = (int) nhwc[1];
      Operand<TFloat32> temp = temperature(ctx, type);
      SigmoidRouting routing = type == ConvType.CONDCONV
          ? SigmoidRouting.create(scope.child("dense"), experts, in) : null;
      ConvBnAct first = new ConvBnAct(scope, ConvBnAct.Spec.regular(type, in, filters,
          ConvGeometry.of(3).withStride(stride), experts, bn, Activation.RELU, size, size,
          ctx.foldBatchNorm()), temp);
      int outSize = first.outSize(size);
      ConvBnAct second = new ConvBnAct(scope, ConvBnAct.Spec.regular(type, filters, filters,
          ConvGeometry.of(3), experts, bn, Activation.RELU, outSize, outSize,
          ctx.foldBatchNorm()), temp);
      return new ConvPair(routing, first, second, nhwc[1], nhwc[2]);
    }, (ctx, pair, x) -> {
      Operand<TFloat32> r = null;
      Operand<TFloat32> in = x;
      if (pair.routing() != null) {
        PooledInput pooled = pair.routing().pool(x, ctx.mode());
        r = pair.routing().routePooled(pooled.pooled());
        in = pooled.x();
      }
      Forward a = pair.first().apply(ctx, in, r);
      Forward b = pair.second().apply(ctx, a.output(), r);
      List<Op> updates = new ArrayList<>(a.updates());
      updates.addAll(b.updates());
      return new Forward(b.output(), updates);
    });
  }

  /** MobileNetV2's {@link InvertedResidual} block under {@code <scope>/<block>}. */
  public static Layer invertedResidual(String block, ConvType type, int out, int stride, int t,
      int experts, BatchNormConfig bn) {
    return layer("InvertedResidual", block, (ctx, scope, nhwc) -> new InvertedResidual(scope, type,
        (int) nhwc[3], out, stride, t, experts, bn, (int) nhwc[1], ctx.foldBatchNorm(),
        temperature(ctx, type)), (ctx, b, x) -> b.apply(ctx, x));
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
    return layer("MbConvBlock", "blocks_" + index, (ctx, scope, nhwc) -> new MbConvBlock(
        ctx.scope(), index, args, bn, experts, condconvIndex, (int) nhwc[1], (int) nhwc[2],
        ctx.foldBatchNorm()),
        // Drop connect's salt 100 + index keeps its masks apart from the head dropout's (salt 1).
        (ctx, b, x) -> b.apply(ctx, x, survivalProb, 100 + index));
  }

  /**
   * The shared temperature for a family that reads it (DynamicConv, ODConv), else null: asking the
   * context for it would create a temperature input in a model that has none.
   */
  private static Operand<TFloat32> temperature(BuildContext ctx, ConvType type) {
    return type.annealsTemperature() ? ctx.temperature() : null;
  }
}

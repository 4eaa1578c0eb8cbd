package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.BatchRows;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Norm;
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Google's MBConv block ({@code efficientnet_model.MBConvBlock}), with CondConv when {@code
 * args.condconv()}:
 *
 * <pre>
 * x = swish(bn0(expand 1x1(x, r)))       if expandRatio != 1
 * x = swish(bn1(depthwise kxk, stride(x, r)))
 * x = x * sigmoid(se_expand(swish(se_reduce(mean_HW(x)))))   if seRatio > 0
 * x = bn2(project 1x1(x, r))
 * x = drop_connect(x) + input            if idSkip, stride 1 and in == out
 * </pre>
 *
 * r = sigmoid(dense(mean_HW(block input))) is computed once and shared by the three conditional
 * convs. Names follow Google's checkpoints: in {@code <model>/blocks_N/}: {@code conv2d} (expand,
 * or project without expansion), {@code conv2d_1} (project), {@code depthwise_conv2d}, {@code
 * tpu_batch_normalization[_1,_2]} in call order, {@code se/conv2d}, {@code se/conv2d_1}, routing
 * {@code dense}; CondConv layers are Keras layers named by name scope with graph-wide indices:
 * {@code <model>/model/blocks_N/cond_conv2d_{3k+1}} (expand), {@code cond_conv2d_{3k+2}}
 * (project), {@code depthwise_cond_conv2d[_k]}, k the index among CondConv blocks (Google builds an
 * unused fused CondConv2D first in every block, which takes index 3k).
 */
public final class MbConvBlock implements BlockLayers.Block {
  private final BlockArgs args;
  private final LayerScope block;
  private final int mid;
  private final int height;
  private final int width;
  private final SigmoidRouting routing;
  private final Conv2d expand;
  private final CondConv2d condExpand;
  private final Norm bn0;
  private final Conv2d depthwise;
  private final CondConv2d condDepthwise;
  private final Norm bn1;
  private final Conv2d seReduce;
  private final Conv2d seExpand;
  private final Conv2d project;
  private final CondConv2d condProject;
  private final Norm bn2;
  private final List<BatchNormFold> folds = new ArrayList<>();
  private final int seFilters;

  /**
   * @param condconvIndex k, this block's index among the model's CondConv blocks (ignored
   *     otherwise)
   */
  public MbConvBlock(LayerScope model, int index, BlockArgs args, BatchNormConfig bn, int experts,
      int condconvIndex, int inHeight, int inWidth, boolean foldBatchNorm) {
    this.args = args;
    this.height = inHeight;
    this.width = inWidth;
    this.block = model.child("blocks_" + index);
    LayerScope keras = model.child("model").child("blocks_" + index);
    int in = args.inputFilters();
    this.mid = in * args.expandRatio();
    boolean cc = args.condconv();
    this.routing = cc ? SigmoidRouting.create(block.child("dense"), experts, in) : null;
    ConvGeometry pointwise = ConvGeometry.of(1);
    ConvGeometry dw = ConvGeometry.of(args.kernelSize()).withStride(args.stride());
    if (args.expandRatio() != 1) {
      this.expand = cc ? null
          : Conv2d.create(block.uniqueChild("conv2d"), Conv2dConfig.of(mid, pointwise).withBias(false), in);
      this.condExpand = cc ? CondConv2d.create(keras.child("cond_conv2d_" + (3 * condconvIndex + 1)),
          CondConv2dConfig.of(mid, pointwise, experts).withBias(false), in) : null;
      LayerScope bn0Scope = block.uniqueChild("tpu_batch_normalization");
      this.bn0 = Norm.create(bn0Scope, bn, mid, foldBatchNorm);
      folds.add(new BatchNormFold(cc ? condExpand.experts().kernel().name() : expand.kernel().name(),
          mid, bn0Scope.path(), bn.epsilon()));
    } else {
      this.expand = null;
      this.condExpand = null;
      this.bn0 = null;
    }
    this.depthwise = cc ? null : Conv2d.create(block.child("depthwise_conv2d"),
        Conv2dConfig.depthwise(dw).withBias(false), mid);
    this.condDepthwise = cc ? CondConv2d.create(keras.child(condconvIndex == 0
        ? "depthwise_cond_conv2d" : "depthwise_cond_conv2d_" + condconvIndex),
        CondConv2dConfig.depthwise(dw, experts).withBias(false), mid) : null;
    LayerScope bn1Scope = block.uniqueChild("tpu_batch_normalization");
    this.bn1 = Norm.create(bn1Scope, bn, mid, foldBatchNorm);
    folds.add(new BatchNormFold(cc ? condDepthwise.experts().kernel().name()
        : depthwise.kernel().name(), mid, bn1Scope.path(), bn.epsilon()));
    this.seFilters = args.seRatio() > 0 ? Math.max(1, (int) (in * args.seRatio())) : 0;
    if (seFilters > 0) {
      LayerScope se = block.child("se");
      this.seReduce = Conv2d.create(se.uniqueChild("conv2d"), Conv2dConfig.of(seFilters, pointwise), mid);
      this.seExpand = Conv2d.create(se.uniqueChild("conv2d"), Conv2dConfig.of(mid, pointwise), seFilters);
    } else {
      this.seReduce = null;
      this.seExpand = null;
    }
    int out = args.outputFilters();
    this.project = cc ? null : Conv2d.create(block.uniqueChild("conv2d"),
        Conv2dConfig.of(out, pointwise).withBias(false), mid);
    this.condProject = cc ? CondConv2d.create(keras.child("cond_conv2d_" + (3 * condconvIndex + 2)),
        CondConv2dConfig.of(out, pointwise, experts).withBias(false), mid) : null;
    LayerScope bn2Scope = block.uniqueChild("tpu_batch_normalization");
    this.bn2 = Norm.create(bn2Scope, bn, out, foldBatchNorm);
    folds.add(new BatchNormFold(cc ? condProject.experts().kernel().name() : project.kernel().name(),
        out, bn2Scope.path(), bn.epsilon()));
  }

  /**
   * @param ctx the build: its mode, step seed and batch rows (drop connect), and where the
   *     block's routing and strategies go
   * @param survivalProb drop-connect survival probability (training only)
   */
  public Forward apply(BuildContext ctx, Operand<TFloat32> input, double survivalProb, long salt) {
    Mode mode = ctx.mode();
    Ops tf = block.ops();
    List<Op> updates = new ArrayList<>();
    Operand<TFloat32> r = null;
    Operand<TFloat32> x = input;
    if (routing != null) {
      PooledInput pooled = routing.pool(input, mode);
      r = routing.routePooled(pooled.pooled());
      x = pooled.x();
    }
    if (bn0 != null) {
      x = condExpand != null ? conditional(ctx, condExpand, x, r) : expand.apply(x);
      x = swish(tf, collect(bn0.apply(x, mode), updates));
    }
    x = condDepthwise != null ? conditional(ctx, condDepthwise, x, r) : depthwise.apply(x);
    x = swish(tf, collect(bn1.apply(x, mode), updates));
    if (seReduce != null) {
      Operand<TFloat32> s = tf.math.mean(x, tf.constant(new int[] {1, 2}),
          org.tensorflow.op.math.Mean.keepDims(true));
      s = seExpand.apply(swish(tf, seReduce.apply(s)));
      x = tf.math.mul(tf.math.sigmoid(s), x);
    }
    x = condProject != null ? conditional(ctx, condProject, x, r) : project.apply(x);
    x = collect(bn2.apply(x, mode), updates);
    if (args.idSkip() && args.stride() == 1 && args.inputFilters() == args.outputFilters()) {
      if (mode.training() && survivalProb < 1) {
        x = dropConnect(tf, x, survivalProb, ctx.stepSeed(), salt, ctx.rows());
      }
      x = tf.math.add(x, input);
    }
    return new Forward(x, updates);
  }

  /**
   * {@code x / p * floor(p + U[0,1))} per example (Google's drop_connect), stateless; each
   * example's draw depends on its place in the step's global batch ({@code rows}).
   */
  private static Operand<TFloat32> dropConnect(Ops tf, Operand<TFloat32> x, double p,
      Operand<TInt64> stepSeed, long salt, BatchRows rows) {
    Operand<TInt64> seed = tf.math.add(stepSeed, tf.constant(new long[] {0, salt}));
    // One draw per example: shape [B, 1, 1, 1].
    Operand<org.tensorflow.types.TInt32> shape = tf.concat(List.of(
        tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(new int[] {1, 1, 1})), tf.constant(0));
    Operand<TFloat32> u = rows.uniform(tf, shape, seed);
    Operand<TFloat32> keep = tf.math.floor(tf.math.add(u, tf.constant((float) p)));
    return tf.math.mul(tf.math.div(x, tf.constant((float) p)), keep);
  }

  private static Operand<TFloat32> swish(Ops tf, Operand<TFloat32> x) {
    return Activations.apply(tf, x, Activation.SWISH);
  }

  /** A CondConv layer of the block, its routing and strategy reported to the build. */
  private static Operand<TFloat32> conditional(BuildContext ctx, CondConv2d conv,
      Operand<TFloat32> x, Operand<TFloat32> r) {
    ctx.routingOutputs().routing(conv.scope().path(), r);
    ctx.strategy("CondConv2d '" + conv.scope().path() + "'", conv.strategyFor(x, ctx.mode()));
    return conv.apply(x, r, ctx.mode());
  }

  private static Operand<TFloat32> collect(Forward f, List<Op> updates) {
    updates.addAll(f.updates());
    return f.output();
  }

  /** Output spatial size along one axis. */
  public int outSize(int in) {
    return (in + args.stride() - 1) / args.stride();
  }

  /** Multiply-adds per image, including routing and kernel mixing. */
  public long macs() {
    int in = args.inputFilters(), out = args.outputFilters(), k = args.kernelSize();
    long hw = (long) height * width, ohw = (long) outSize(height) * outSize(width);
    long m = 0;
    if (args.expandRatio() != 1) {
      m += condExpand != null ? condExpand.macs(height, width) : hw * in * mid;
    }
    m += condDepthwise != null ? condDepthwise.macs(height, width) : ohw * k * k * mid;
    if (seFilters > 0) {
      m += 2L * mid * seFilters;
    }
    m += condProject != null ? condProject.macs(outSize(height), outSize(width)) : ohw * mid * out;
    if (routing != null) {
      m += routing.macs(height, width);
    }
    return m;
  }

  /** The block's convolution-BatchNorm pairs, for folded exports. */
  public List<BatchNormFold> folds() {
    return List.copyOf(folds);
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    if (routing != null) {
      vs.addAll(routing.variables());
    }
    if (expand != null) {
      vs.addAll(expand.variables());
    }
    if (condExpand != null) {
      vs.addAll(condExpand.variables());
    }
    if (bn0 != null) {
      vs.addAll(bn0.variables());
    }
    vs.addAll(depthwise != null ? depthwise.variables() : condDepthwise.variables());
    vs.addAll(bn1.variables());
    if (seReduce != null) {
      vs.addAll(seReduce.variables());
      vs.addAll(seExpand.variables());
    }
    vs.addAll(project != null ? project.variables() : condProject.variables());
    vs.addAll(bn2.variables());
    return vs;
  }
}

package org.dynconv.testing;

import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DcdConv2d;
import org.dynconv.layers.DcdConv2dConfig;
import org.dynconv.layers.DcdOutput;
import org.dynconv.layers.DynamicConv2d;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.layers.OdConv2d;
import org.dynconv.layers.OdConv2dConfig;
import org.dynconv.layers.OdOutput;
import org.dynconv.models.CustomModel;
import org.dynconv.models.ModelContext;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.GlobalAvgPool;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A model the way a user writes one, only from dynconv's public API: a static stem, a CondConv2d
 * block with its sigmoid routing, a DynamicConv2d block reading the shared temperature, BatchNorm,
 * pooling and a dense head.
 */
public final class OwnModel {
  private OwnModel() {}

  public static CustomModel spec(String name, int size, int channels, int classes) {
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(OwnModel::body).build();
  }

  private static Operand<TFloat32> body(ModelContext ctx, Operand<TFloat32> x) {
    LayerScope s = ctx.scope();
    BatchNormConfig bnc = new BatchNormConfig(0.9, 1e-3);
    int channels = (int) x.shape().size(3);
    Conv2d stem = Conv2d.create(s.child("stem"), Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
        .withBias(false), channels);
    ctx.variables(stem.variables());
    BatchNorm bn0 = BatchNorm.create(s.child("stem_bn"), bnc, 8);
    ctx.variables(bn0.variables());
    x = Activations.apply(ctx.ops(), ctx.forward(bn0.apply(stem.apply(x), ctx.mode())),
        Activation.RELU);

    return condDynamicHead(ctx, x);
  }

  /** The successors in a model of one's own: a DcdConv2d block, then an ODConv (n = 4) block. */
  public static CustomModel successors(String name, int size, int channels, int classes) {
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(OwnModel::successorsBody).build();
  }

  private static Operand<TFloat32> successorsBody(ModelContext ctx, Operand<TFloat32> x) {
    LayerScope s = ctx.scope();
    int channels = (int) x.shape().size(3);
    Conv2d stem = Conv2d.create(s.child("stem"), Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
        .withActivation(Activation.RELU), channels);
    ctx.variables(stem.variables());
    x = stem.apply(x);

    DcdConv2d dcd = DcdConv2d.create(s.child("dcd"),
        DcdConv2dConfig.resnetBasic(16, ConvGeometry.of(3).withStride(2), 8), 8);
    DcdOutput d = dcd.apply(x, ctx.mode());
    x = Activations.apply(ctx.ops(), ctx.forward(d.forward()), Activation.RELU);
    ctx.variables(dcd.variables());
    ctx.routingOutputs().dcd(dcd.scope().path(), d.attention());

    OdConv2d od = OdConv2d.create(s.child("od"), OdConv2dConfig.of(16, ConvGeometry.of(3), 4), 16,
        ctx.temperature());
    OdOutput o = od.apply(x, ctx.mode());
    x = Activations.apply(ctx.ops(), ctx.forward(o.forward()), Activation.RELU);
    ctx.variables(od.variables());
    ctx.routingOutputs().odconv(od.scope().path(), o.attention());

    Dense head = Dense.create(s.child("head"), DenseConfig.of(ctx.numClasses()), 16);
    ctx.variables(head.variables());
    return head.apply(GlobalAvgPool.apply(ctx.ops(), x));
  }

  /**
   * A CondConv and a DynamicConv block between a static stem and a dense head, without BatchNorm:
   * its gradient on a batch is the mean of its gradients on equal slices of the batch, which is
   * what data-parallel training relies on.
   */
  public static CustomModel withoutBatchNorm(String name, int size, int channels, int classes) {
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(OwnModel::withoutBatchNormBody).build();
  }

  private static Operand<TFloat32> withoutBatchNormBody(ModelContext ctx, Operand<TFloat32> x) {
    LayerScope s = ctx.scope();
    int channels = (int) x.shape().size(3);
    Conv2d stem = Conv2d.create(s.child("stem"), Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
        .withActivation(Activation.RELU), channels);
    ctx.variables(stem.variables());
    x = stem.apply(x);
    return condDynamicHead(ctx, x);
  }

  /**
   * A CondConv2d block with its sigmoid routing (8 to 16 channels, stride 2), a DynamicConv2d
   * block reading the shared temperature, pooling and a dense head.
   */
  private static Operand<TFloat32> condDynamicHead(ModelContext ctx, Operand<TFloat32> x) {
    LayerScope s = ctx.scope();
    SigmoidRouting route = SigmoidRouting.create(s.child("cond").child("dense"), 4, 8);
    Operand<TFloat32> r = route.route(x);
    CondConv2d cond = CondConv2d.create(s.child("cond").child("cond_conv2d"),
        CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU), 8);
    x = cond.apply(x, r, ctx.mode());
    ctx.variables(route.variables());
    ctx.variables(cond.variables());
    ctx.routing(cond.scope().path(), r);

    DynamicConv2d dyn = DynamicConv2d.create(s.child("dyn"),
        DynamicConv2dConfig.of(16, ConvGeometry.of(3), 4).withActivation(Activation.RELU), 16,
        ctx.temperature());
    Operand<TFloat32> att = dyn.routing().route(x);
    x = dyn.apply(x, att, ctx.mode());
    ctx.variables(dyn.variables());
    ctx.routing(dyn.scope().path(), att);

    Dense head = Dense.create(s.child("head"), DenseConfig.of(ctx.numClasses()), 16);
    ctx.variables(head.variables());
    return head.apply(GlobalAvgPool.apply(ctx.ops(), x));
  }
}

package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
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
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Norm;
import org.dynconv.routing.RoutingOutputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * Convolution (static, CondConv, DynamicConv, DCD or ODConv, without bias), BatchNorm,
 * activation: the unit the small CNN is made of. BatchNorm and the activation follow the dynamic
 * convolution, as in every paper of the family. Layer scopes are Keras-style automatic names
 * within the block ({@code conv2d}, {@code cond_conv2d_1}, {@code dynamic_conv2d}, {@code
 * dcd_conv2d}, {@code od_conv2d}, {@code batch_normalization_1}, ...).
 *
 * <p>DCD uses the official ResNet basic-block rule for its sizes ({@link
 * DcdConv2dConfig#resnetBasic}: 3x3 convolutions, 2x2 pooled branch); ODConv uses {@code experts}
 * kernels and the official attention (reduction 1/16, at least 16 channels).
 */
public final class ConvBnAct {
  private final ConvType type;
  private final Conv2d conv;
  private final CondConv2d condConv;
  private final DynamicConv2d dynamicConv;
  private final DcdConv2d dcd;
  private final OdConv2d od;
  private final Norm bn;
  private final List<BatchNormFold> folds = new ArrayList<>();
  private final Activation activation;
  private final LayerScope block;
  private final int height;
  private final int width;

  /**
   * @param experts E for CondConv, K for DynamicConv, n for ODConv (ignored otherwise)
   * @param temperature the shared temperature input of DynamicConv and ODConv (ignored otherwise)
   */
  public ConvBnAct(LayerScope block, ConvType type, int inChannels, int filters, ConvGeometry g,
      int experts, Operand<TFloat32> temperature, BatchNormConfig bnConfig, Activation activation,
      int inHeight, int inWidth, boolean foldBatchNorm) {
    this.type = type;
    this.block = block;
    this.activation = activation;
    this.height = inHeight;
    this.width = inWidth;
    Conv2d c = null;
    CondConv2d cc = null;
    DynamicConv2d dc = null;
    DcdConv2d dd = null;
    OdConv2d odc = null;
    List<String> kernels;
    switch (type) {
      case STATIC -> {
        c = Conv2d.create(block.uniqueChild("conv2d"), Conv2dConfig.of(filters, g).withBias(false),
            inChannels);
        kernels = List.of(c.kernel().name());
      }
      case CONDCONV -> {
        cc = CondConv2d.create(block.uniqueChild("cond_conv2d"),
            CondConv2dConfig.of(filters, g, experts).withBias(false), inChannels);
        kernels = List.of(cc.experts().kernel().name());
      }
      case DYNAMIC -> {
        dc = DynamicConv2d.create(block.uniqueChild("dynamic_conv2d"),
            DynamicConv2dConfig.of(filters, g, experts).withBias(false), inChannels, temperature);
        kernels = List.of(dc.experts().kernel().name());
      }
      case DCD -> {
        dd = DcdConv2d.create(block.uniqueChild("dcd_conv2d"),
            DcdConv2dConfig.resnetBasic(filters, g, inChannels).withBatchNorm(bnConfig), inChannels,
            foldBatchNorm);
        kernels = dd.outputKernels();
        folds.add(dd.latentFold());
      }
      case ODCONV -> {
        odc = OdConv2d.create(block.uniqueChild("od_conv2d"), OdConv2dConfig.of(filters, g, experts),
            inChannels, temperature);
        kernels = List.of(odc.kernels().kernel().name());
      }
      default -> throw new IllegalStateException("ConvBnAct: unhandled conv type " + type);
    }
    this.conv = c;
    this.condConv = cc;
    this.dynamicConv = dc;
    this.dcd = dd;
    this.od = odc;
    LayerScope bnScope = block.uniqueChild("batch_normalization");
    this.bn = Norm.create(bnScope, bnConfig, filters, foldBatchNorm);
    folds.add(0, new BatchNormFold(kernels, filters, bnScope.path(), bnConfig.epsilon()));
  }

  /**
   * @param routing CondConv routing weights shared by the block (ignored otherwise)
   * @param outputs receives this unit's routing weights and attentions
   */
  public Forward apply(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode,
      RoutingOutputs outputs) {
    Operand<TFloat32> y;
    List<Op> updates = new ArrayList<>();
    switch (type) {
      case STATIC -> y = conv.apply(x);
      case CONDCONV -> {
        y = condConv.apply(x, routing, mode);
        outputs.routing(condConv.scope().path(), routing);
      }
      case DYNAMIC -> {
        Operand<TFloat32> att = dynamicConv.routing().route(x);
        y = dynamicConv.apply(x, att, mode);
        outputs.routing(dynamicConv.scope().path(), att);
      }
      case DCD -> {
        DcdOutput out = dcd.apply(x, mode);
        y = out.output();
        updates.addAll(out.forward().updates());
        outputs.dcd(dcd.scope().path(), out.attention());
      }
      default -> {
        OdOutput out = od.apply(x, mode);
        y = out.output();
        updates.addAll(out.forward().updates());
        outputs.odconv(od.scope().path(), out.attention());
      }
    }
    Forward f = bn.apply(y, mode);
    updates.addAll(f.updates());
    return new Forward(Activations.apply(block.ops(), f.output(), activation), updates);
  }

  /** Multiply-adds per image: the convolution with its mixing, branch or attention. */
  public long macs() {
    return switch (type) {
      case STATIC -> {
        var g = conv.config().geometry();
        long in = conv.kernel().shape().size(2);
        yield (long) g.outputHeight(height) * g.outputWidth(width) * g.kernelH() * g.kernelW() * in
            * conv.config().filters();
      }
      case CONDCONV -> condConv.macs(height, width);
      case DYNAMIC -> dynamicConv.macs(height, width) + dynamicConv.routing().macs(height, width);
      case DCD -> dcd.macs(height, width);
      case ODCONV -> od.macs(height, width);
    };
  }

  /** The BatchNorms folded in folded exports: the unit's own, then any inside the layer. */
  public List<BatchNormFold> folds() {
    return List.copyOf(folds);
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    switch (type) {
      case STATIC -> vs.addAll(conv.variables());
      case CONDCONV -> vs.addAll(condConv.variables());
      case DYNAMIC -> vs.addAll(dynamicConv.variables());
      case DCD -> vs.addAll(dcd.variables());
      case ODCONV -> vs.addAll(od.variables());
    }
    vs.addAll(bn.variables());
    return vs;
  }
}

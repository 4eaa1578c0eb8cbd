package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DcdConv2d;
import org.dynconv.layers.DcdConv2dConfig;
import org.dynconv.layers.DcdOutput;
import org.dynconv.layers.DepthwiseCondConv2d;
import org.dynconv.layers.DepthwiseCondConv2dConfig;
import org.dynconv.layers.DepthwiseDynamicConv2d;
import org.dynconv.layers.DepthwiseDynamicConv2dConfig;
import org.dynconv.layers.DepthwiseOdConv2d;
import org.dynconv.layers.DepthwiseOdConv2dConfig;
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
import org.dynconv.nn.DepthwiseConv2d;
import org.dynconv.nn.DepthwiseConv2dConfig;
import org.dynconv.nn.Norm;
import org.dynconv.routing.RoutingOutputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * A convolution of any family (static, CondConv, DynamicConv, DCD or ODConv, without bias), then
 * BatchNorm, then an activation: the unit the small CNN and the MobileNetV2 family are made of.
 * BatchNorm and the activation follow the dynamic convolution, as in every paper of the family.
 * Layer scopes are Keras-style automatic names within the block ({@code conv2d}, {@code
 * depthwise_conv2d}, {@code cond_conv2d_1}, {@code dynamic_conv2d}, {@code dcd_conv2d}, {@code
 * od_conv2d}, {@code batch_normalization_1}, ...).
 *
 * <p>A depthwise unit (multiplier 1) uses DepthwiseCondConv2d, DepthwiseDynamicConv2d or
 * DepthwiseOdConv2d; DCD leaves depthwise convolutions static, as the official MobileNetV2-DCD.
 * DCD's sizes follow {@link Spec#dcdRule()}.
 */
public final class ConvBnAct {
  /** Which of the official code's rules sizes a DCD layer. */
  public enum DcdRule {
    /** ResNet basic block ({@code conv_basic_dy}), for k x k convolutions. */
    RESNET_BASIC,
    /** MobileNetV2 ({@code DYModule}), for 1x1 convolutions. */
    MOBILENET_V2
  }

  /**
   * What a unit computes.
   *
   * @param type the convolution family
   * @param kind REGULAR or DEPTHWISE (multiplier 1: {@code filters == inChannels})
   * @param inChannels input channels
   * @param filters output channels
   * @param geometry kernel, strides, dilation, padding
   * @param experts E for CondConv, K for DynamicConv, n for ODConv (ignored otherwise)
   * @param bn the BatchNorm after the convolution (DCD's own BatchNorms use it too)
   * @param activation after the BatchNorm
   * @param inHeight input height, for multiply-add counts
   * @param inWidth input width
   * @param foldBatchNorm inference graph of a folded export
   * @param dcdRule DCD's sizing rule
   */
  public record Spec(ConvType type, ConvKind kind, int inChannels, int filters,
      ConvGeometry geometry, int experts, BatchNormConfig bn, Activation activation, int inHeight,
      int inWidth, boolean foldBatchNorm, DcdRule dcdRule) {
    public Spec {
      Check.notNull("ConvBnAct.Spec", "type", type);
      Check.notNull("ConvBnAct.Spec", "kind", kind);
      if (kind == ConvKind.DEPTHWISE && filters != inChannels) {
        throw Check.invalid("ConvBnAct.Spec", "filters", filters, "filters == inChannels ("
            + inChannels + ") for a depthwise unit");
      }
    }

    /** A regular k x k unit (the small CNN's). */
    public static Spec regular(ConvType type, int in, int filters, ConvGeometry g, int experts,
        BatchNormConfig bn, Activation act, int h, int w, boolean fold) {
      return new Spec(type, ConvKind.REGULAR, in, filters, g, experts, bn, act, h, w, fold,
          DcdRule.RESNET_BASIC);
    }
  }

  private final Spec spec;
  private final LayerScope block;
  private final Conv2d conv;
  private final DepthwiseConv2d depthwise;
  private final CondConv2d condConv;
  private final DepthwiseCondConv2d depthwiseCondConv;
  private final DynamicConv2d dynamicConv;
  private final DepthwiseDynamicConv2d depthwiseDynamicConv;
  private final DcdConv2d dcd;
  private final OdConv2d od;
  private final DepthwiseOdConv2d depthwiseOd;
  private final Norm bn;
  private final List<BatchNormFold> folds = new ArrayList<>();

  /**
   * @param temperature the shared temperature input of DynamicConv and ODConv (ignored otherwise)
   */
  public ConvBnAct(LayerScope block, Spec spec, Operand<TFloat32> temperature) {
    this.spec = spec;
    this.block = block;
    int in = spec.inChannels(), f = spec.filters(), e = spec.experts();
    ConvGeometry g = spec.geometry();
    boolean dw = spec.kind() == ConvKind.DEPTHWISE;
    Conv2d c = null;
    DepthwiseConv2d d = null;
    CondConv2d cc = null;
    DepthwiseCondConv2d dcc = null;
    DynamicConv2d dy = null;
    DepthwiseDynamicConv2d ddy = null;
    DcdConv2d dd = null;
    OdConv2d o = null;
    DepthwiseOdConv2d dod = null;
    List<String> kernels;
    ConvType type = spec.type() == ConvType.DCD && dw ? ConvType.STATIC : spec.type();
    switch (type) {
      case STATIC -> {
        if (dw) {
          d = DepthwiseConv2d.create(block.uniqueChild("depthwise_conv2d"),
              DepthwiseConv2dConfig.of(g).withBias(false), in);
          kernels = List.of(d.kernel().name());
        } else {
          c = Conv2d.create(block.uniqueChild("conv2d"), Conv2dConfig.of(f, g).withBias(false), in);
          kernels = List.of(c.kernel().name());
        }
      }
      case CONDCONV -> {
        if (dw) {
          dcc = DepthwiseCondConv2d.create(block.uniqueChild("depthwise_cond_conv2d"),
              DepthwiseCondConv2dConfig.of(g, e).withBias(false), in);
          kernels = List.of(dcc.experts().kernel().name());
        } else {
          cc = CondConv2d.create(block.uniqueChild("cond_conv2d"),
              CondConv2dConfig.of(f, g, e).withBias(false), in);
          kernels = List.of(cc.experts().kernel().name());
        }
      }
      case DYNAMIC -> {
        if (dw) {
          ddy = DepthwiseDynamicConv2d.create(block.uniqueChild("depthwise_dynamic_conv2d"),
              DepthwiseDynamicConv2dConfig.of(g, e).withBias(false), in, temperature);
          kernels = List.of(ddy.experts().kernel().name());
        } else {
          dy = DynamicConv2d.create(block.uniqueChild("dynamic_conv2d"),
              DynamicConv2dConfig.of(f, g, e).withBias(false), in, temperature);
          kernels = List.of(dy.experts().kernel().name());
        }
      }
      case DCD -> {
        DcdConv2dConfig cfg = spec.dcdRule() == DcdRule.MOBILENET_V2
            ? DcdConv2dConfig.mobileNetV2(f, in, 8)
            : DcdConv2dConfig.resnetBasic(f, g, in);
        dd = DcdConv2d.create(block.uniqueChild("dcd_conv2d"), cfg.withBatchNorm(spec.bn()), in,
            spec.foldBatchNorm());
        kernels = dd.outputKernels();
        folds.add(dd.latentFold());
      }
      case ODCONV -> {
        if (dw) {
          dod = DepthwiseOdConv2d.create(block.uniqueChild("depthwise_od_conv2d"),
              DepthwiseOdConv2dConfig.of(g, e), in, temperature);
          kernels = List.of(dod.kernels().kernel().name());
        } else {
          o = OdConv2d.create(block.uniqueChild("od_conv2d"), OdConv2dConfig.of(f, g, e), in,
              temperature);
          kernels = List.of(o.kernels().kernel().name());
        }
      }
      default -> throw new IllegalStateException("ConvBnAct: unhandled conv type " + type);
    }
    this.conv = c;
    this.depthwise = d;
    this.condConv = cc;
    this.depthwiseCondConv = dcc;
    this.dynamicConv = dy;
    this.depthwiseDynamicConv = ddy;
    this.dcd = dd;
    this.od = o;
    this.depthwiseOd = dod;
    LayerScope bnScope = block.uniqueChild("batch_normalization");
    this.bn = Norm.create(bnScope, spec.bn(), f, spec.foldBatchNorm());
    folds.add(0, new BatchNormFold(kernels, f, bnScope.path(), spec.bn().epsilon()));
  }

  /**
   * @param routing CondConv routing weights shared by the block (ignored otherwise)
   * @param outputs receives this unit's routing weights and attentions
   */
  public Forward apply(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode,
      RoutingOutputs outputs) {
    Operand<TFloat32> y;
    List<Op> updates = new ArrayList<>();
    if (conv != null) {
      y = conv.apply(x);
    } else if (depthwise != null) {
      y = depthwise.apply(x);
    } else if (condConv != null) {
      y = condConv.apply(x, routing, mode);
      outputs.routing(condConv.scope().path(), routing);
    } else if (depthwiseCondConv != null) {
      y = depthwiseCondConv.apply(x, routing, mode);
      outputs.routing(depthwiseCondConv.scope().path(), routing);
    } else if (dynamicConv != null) {
      Operand<TFloat32> att = dynamicConv.routing().route(x);
      y = dynamicConv.apply(x, att, mode);
      outputs.routing(dynamicConv.scope().path(), att);
    } else if (depthwiseDynamicConv != null) {
      Operand<TFloat32> att = depthwiseDynamicConv.routing().route(x);
      y = depthwiseDynamicConv.apply(x, att, mode);
      outputs.routing(depthwiseDynamicConv.scope().path(), att);
    } else if (dcd != null) {
      DcdOutput out = dcd.apply(x, mode);
      y = out.output();
      updates.addAll(out.forward().updates());
      outputs.dcd(dcd.scope().path(), out.attention());
    } else {
      OdOutput out = od != null ? od.apply(x, mode) : depthwiseOd.apply(x, mode);
      y = out.output();
      updates.addAll(out.forward().updates());
      outputs.odconv((od != null ? od.scope() : depthwiseOd.scope()).path(), out.attention());
    }
    Forward f = bn.apply(y, mode);
    updates.addAll(f.updates());
    return new Forward(Activations.apply(block.ops(), f.output(), spec.activation()), updates);
  }

  /** Multiply-adds per image: the convolution with its mixing, branch or attention. */
  public long macs() {
    int h = spec.inHeight(), w = spec.inWidth();
    ConvGeometry g = spec.geometry();
    long positions = (long) g.outputHeight(h) * g.outputWidth(w);
    if (conv != null) {
      return positions * g.kernelH() * g.kernelW() * spec.inChannels() * spec.filters();
    }
    if (depthwise != null) {
      return positions * g.kernelH() * g.kernelW() * spec.inChannels();
    }
    if (condConv != null) {
      return condConv.macs(h, w);
    }
    if (depthwiseCondConv != null) {
      return depthwiseCondConv.macs(h, w);
    }
    if (dynamicConv != null) {
      return dynamicConv.macs(h, w) + dynamicConv.routing().macs(h, w);
    }
    if (depthwiseDynamicConv != null) {
      return depthwiseDynamicConv.macs(h, w) + depthwiseDynamicConv.routing().macs(h, w);
    }
    if (dcd != null) {
      return dcd.macs(h, w);
    }
    return od != null ? od.macs(h, w) : depthwiseOd.macs(h, w);
  }

  /** The BatchNorms folded in folded exports: the unit's own, then any inside the layer. */
  public List<BatchNormFold> folds() {
    return List.copyOf(folds);
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    if (conv != null) {
      vs.addAll(conv.variables());
    } else if (depthwise != null) {
      vs.addAll(depthwise.variables());
    } else if (condConv != null) {
      vs.addAll(condConv.variables());
    } else if (depthwiseCondConv != null) {
      vs.addAll(depthwiseCondConv.variables());
    } else if (dynamicConv != null) {
      vs.addAll(dynamicConv.variables());
    } else if (depthwiseDynamicConv != null) {
      vs.addAll(depthwiseDynamicConv.variables());
    } else if (dcd != null) {
      vs.addAll(dcd.variables());
    } else {
      vs.addAll(od != null ? od.variables() : depthwiseOd.variables());
    }
    vs.addAll(bn.variables());
    return vs;
  }

  /** Output spatial size along one axis for an input of {@code size}. */
  public int outSize(int size) {
    return spec.geometry().outputHeight(size);
  }
}

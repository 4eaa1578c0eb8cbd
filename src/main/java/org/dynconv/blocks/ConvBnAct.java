package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.ConditionalConv;
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
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.Routing;
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
 * <p>A depthwise unit (multiplier 1) uses the depthwise form of its layer; DCD leaves depthwise
 * convolutions static, as the official MobileNetV2-DCD.
 * DCD's sizes follow {@link Spec#dcdRule()}.
 */
public final class ConvBnAct implements BlockLayers.Block {
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

  /**
   * The convolution of a unit, whichever family it is: its forward pass (reporting routing and
   * attentions, returning any updates of its own), multiply-adds and variables.
   */
  private interface Core {
    Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing);

    /** Multiply-adds per image for an {@code h x w} input: convolution, mixing, attention. */
    long macs(int h, int w);

    List<VariableRef> variables();
  }

  private final Spec spec;
  private final LayerScope block;
  private final Core core;
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
    List<String> kernels;
    ConvType type = spec.type() == ConvType.DCD && dw ? ConvType.STATIC : spec.type();
    ConvKind kind = spec.kind();
    int outputs = dw ? 1 : f;
    switch (type) {
      case STATIC -> {
        Conv2d c = Conv2d.create(block.uniqueChild(kind.scopeName("conv2d")),
            new Conv2dConfig(kind, outputs, g, false, Activation.NONE), in);
        kernels = List.of(c.kernel().name());
        core = plain(c::apply, c::macs, c.variables());
      }
      case CONDCONV -> {
        CondConv2d c = CondConv2d.create(block.uniqueChild(kind.scopeName("cond_conv2d")),
            new CondConv2dConfig(kind, outputs, g, e, false, Activation.NONE, Strategy.AUTO), in);
        kernels = List.of(c.experts().kernel().name());
        core = mixture(c, null);
      }
      case DYNAMIC -> {
        DynamicConv2d d = DynamicConv2d.create(block.uniqueChild(kind.scopeName("dynamic_conv2d")),
            (dw ? DynamicConv2dConfig.depthwise(g, e) : DynamicConv2dConfig.of(f, g, e))
                .withBias(false), in, temperature);
        kernels = List.of(d.experts().kernel().name());
        core = mixture(d, d.routing());
      }
      case DCD -> {
        DcdConv2dConfig cfg = spec.dcdRule() == DcdRule.MOBILENET_V2
            ? DcdConv2dConfig.mobileNetV2(f, in, 8)
            : DcdConv2dConfig.resnetBasic(f, g, in);
        DcdConv2d d = DcdConv2d.create(block.uniqueChild("dcd_conv2d"),
            cfg.withBatchNorm(spec.bn()), in, spec.foldBatchNorm());
        kernels = d.outputKernels();
        folds.add(d.latentFold());
        core = new Core() {
          public Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing) {
            DcdOutput out = d.apply(x, ctx.mode());
            ctx.routingOutputs().dcd(d.scope().path(), out.attention());
            return out.forward();
          }

          public long macs(int h, int w) {
            return d.macs(h, w);
          }

          public List<VariableRef> variables() {
            return d.variables();
          }
        };
      }
      case ODCONV -> {
        OdConv2d o = OdConv2d.create(block.uniqueChild(kind.scopeName("od_conv2d")),
            dw ? OdConv2dConfig.depthwise(g, e) : OdConv2dConfig.of(f, g, e), in, temperature);
        kernels = List.of(o.kernels().kernel().name());
        core = odconv(o);
      }
      default -> throw new IllegalStateException("ConvBnAct: unhandled conv type " + type);
    }
    LayerScope bnScope = block.uniqueChild("batch_normalization");
    this.bn = Norm.create(bnScope, spec.bn(), f, spec.foldBatchNorm());
    folds.add(0, new BatchNormFold(kernels, f, bnScope.path(), spec.bn().epsilon()));
  }

  /** A static convolution. */
  private static Core plain(UnaryOperator<Operand<TFloat32>> conv, Macs macs,
      List<VariableRef> variables) {
    return new Core() {
      public Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing) {
        return Forward.of(conv.apply(x));
      }

      public long macs(int h, int w) {
        return macs.of(h, w);
      }

      public List<VariableRef> variables() {
        return variables;
      }
    };
  }

  /**
   * CondConv or DynamicConv: with {@code attention} null, the block's shared routing (CondConv);
   * otherwise the layer's own attention, computed from the input (DynamicConv).
   */
  private static Core mixture(ConditionalConv conv, Routing attention) {
    return new Core() {
      public Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing) {
        Operand<TFloat32> in = x;
        Operand<TFloat32> r = routing;
        if (attention != null) {
          PooledInput pooled = attention.pool(x, ctx.mode());
          in = pooled.x();
          r = attention.routePooled(pooled.pooled());
        }
        ctx.routingOutputs().routing(conv.scope().path(), r);
        ctx.strategy(conv.getClass().getSimpleName() + " '" + conv.scope().path() + "'",
            conv.strategyFor(in, ctx.mode()));
        return Forward.of(conv.apply(in, r, ctx.mode()));
      }

      public long macs(int h, int w) {
        return conv.macs(h, w) + (attention == null ? 0 : attention.macs(h, w));
      }

      public List<VariableRef> variables() {
        return conv.variables();
      }
    };
  }

  /** Multiply-adds per image for an {@code h x w} input. */
  private interface Macs {
    long of(int h, int w);
  }

  /** An ODConv layer, regular or depthwise; its attentions go to the outputs. */
  private static Core odconv(OdConv2d od) {
    return new Core() {
      public Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing) {
        ctx.strategy("OdConv2d '" + od.scope().path() + "'", od.strategyFor(x, ctx.mode()));
        OdOutput out = od.apply(x, ctx.mode());
        ctx.routingOutputs().odconv(od.scope().path(), out.attention());
        return out.forward();
      }

      public long macs(int h, int w) {
        return od.macs(h, w);
      }

      public List<VariableRef> variables() {
        return od.variables();
      }
    };
  }

  /**
   * @param ctx the build: its mode, and where this unit's routing weights, attentions and
   *     strategy go
   * @param routing CondConv routing weights shared by the block (ignored otherwise)
   */
  public Forward apply(BuildContext ctx, Operand<TFloat32> x, Operand<TFloat32> routing) {
    Mode mode = ctx.mode();
    Forward conv = core.apply(ctx, x, routing);
    List<Op> updates = new ArrayList<>(conv.updates());
    Forward f = bn.apply(conv.output(), mode);
    updates.addAll(f.updates());
    return new Forward(Activations.apply(block.ops(), f.output(), spec.activation()), updates);
  }

  /** Multiply-adds per image: the convolution with its mixing, branch or attention. */
  public long macs() {
    return core.macs(spec.inHeight(), spec.inWidth());
  }

  /** The BatchNorms folded in folded exports: the unit's own, then any inside the layer. */
  public List<BatchNormFold> folds() {
    return List.copyOf(folds);
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(core.variables());
    vs.addAll(bn.variables());
    return vs;
  }

  /** Output spatial size along one axis for an input of {@code size}. */
  public int outSize(int size) {
    return spec.geometry().outputHeight(size);
  }
}

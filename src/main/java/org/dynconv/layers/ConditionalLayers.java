package org.dynconv.layers;

import java.util.List;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.routing.DcdBranch;
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.Routing;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The conditional layers in the {@link Layer} call shape, over the implementations of this
 * package (whose variable names and layouts they keep). Each owns its routing or attention by
 * default and reports it to the context; a CondConv layer inside a {@link SharedRouting} block
 * reads the block's routing instead, as in Google's MBConv.
 */
final class ConditionalLayers {
  private ConditionalLayers() {}

  /**
   * A built mixture-of-kernels layer, the routing it owns (null when the routing is shared) and
   * every variable it created, the routing's included.
   */
  record Mixture(ConditionalConv conv, Routing ownRouting, List<VariableRef> variables) {}

  /** How a mixture layer is created once the input channels are known. */
  interface MixtureFactory {
    Mixture create(BuildContext ctx, LayerScope scope, int inChannels, boolean shared);
  }

  /**
   * CondConv and DynamicConv, regular or depthwise: {@code y = act(conv(x, sum_e r_e W_e) + sum_e
   * r_e b_e)} with {@code r [B,E]} from the layer's routing or the enclosing shared routing.
   */
  static final class MixtureLayer extends BuiltOnce<Mixture> {
    private final MixtureFactory factory;
    private final boolean canShare;

    /**
     * @param canShare whether the layer reads a {@link SharedRouting} block's weights when inside
     *     one (CondConv); DynamicConv always computes its own attention
     */
    MixtureLayer(String component, String name, String baseName, boolean canShare,
        MixtureFactory factory) {
      super(component, name, baseName);
      this.factory = factory;
      this.canShare = canShare;
    }

    @Override
    protected Mixture build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      Mixture m = factory.create(ctx, scope, channels(scope, x),
          canShare && ctx.sharedRouting() != null);
      ctx.track(m.variables());
      return m;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, Mixture m, Operand<TFloat32> x) {
      long[] nhwc = Shapes.requireNhwc(component(), m.conv().scope(), x);
      Operand<TFloat32> in = x;
      Operand<TFloat32> r;
      if (m.ownRouting() != null) {
        // Convolve the input that comes back with its mean: in a training graph its gradient
        // then carries the pooling's as well, added in one pass (PooledInput).
        PooledInput pooled = m.ownRouting().pool(x, ctx.mode());
        in = pooled.x();
        r = m.ownRouting().routePooled(pooled.pooled());
        ctx.macs(m.ownRouting().macs(nhwc[1], nhwc[2]));
      } else {
        r = ctx.sharedRouting();
        if (r == null) {
          throw new IllegalStateException(component() + " '" + m.conv().scope().path() + "' was"
              + " built inside a SharedRouting block and is now called outside one; expected it to"
              + " be called where it was built.");
        }
      }
      String path = m.conv().scope().path();
      ctx.strategy(component() + " '" + path + "'", m.conv().strategyFor(in, ctx.mode()));
      ctx.routing(path, r);
      ctx.macs(m.conv().macs((int) nhwc[1], (int) nhwc[2]));
      return m.conv().apply(in, r, ctx.mode());
    }
  }

  /**
   * A CondConv layer with its own routing {@code <scope>/routing/{kernel,bias}} (sigmoid over E
   * experts), or none when it reads a shared routing.
   */
  static Mixture condConv(ConditionalConv conv, LayerScope scope, int experts, int inChannels,
      boolean shared) {
    if (shared) {
      return new Mixture(conv, null, conv.variables());
    }
    Routing r = SigmoidRouting.create(scope.child("routing"), experts, inChannels);
    List<VariableRef> vs = new java.util.ArrayList<>(conv.variables());
    vs.addAll(r.variables());
    return new Mixture(conv, r, vs);
  }

  /** ODConv, regular or depthwise, as the layer uses it. */
  interface OdParts {
    OdOutput apply(Operand<TFloat32> x, Mode mode);

    Strategy strategyFor(Operand<TFloat32> x, Mode mode);

    long macs(int h, int w);

    LayerScope scope();

    List<VariableRef> variables();
  }

  /** How an ODConv layer is created once the input channels are known. */
  interface OdFactory {
    OdParts create(BuildContext ctx, LayerScope scope, int inChannels);
  }

  /**
   * ODConv: {@code y = sum_i a_w,i * (a_s . a_c . a_f . W_i) * x}, attentions computed from x and
   * reported to the context (channel, filter, spatial, and the kernel attention as routing).
   */
  static final class Od extends BuiltOnce<OdParts> {
    private final OdFactory factory;

    Od(String component, String name, String baseName, OdFactory factory) {
      super(component, name, baseName);
      this.factory = factory;
    }

    @Override
    protected OdParts build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      OdParts od = factory.create(ctx, scope, channels(scope, x));
      ctx.track(od.variables());
      return od;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, OdParts od, Operand<TFloat32> x) {
      long[] nhwc = Shapes.requireNhwc(component(), od.scope(), x);
      ctx.strategy(component() + " '" + od.scope().path() + "'", od.strategyFor(x, ctx.mode()));
      OdOutput out = od.apply(x, ctx.mode());
      ctx.routingOutputs().odconv(od.scope().path(), out.attention());
      ctx.macs(od.macs((int) nhwc[1], (int) nhwc[2]));
      return ctx.forward(out.forward());
    }
  }

  /** DCD: {@code W(x) = Lambda(x) W0 + P Phi(x) Q^T}; lambda and Phi reported to the context. */
  static final class Dcd extends BuiltOnce<DcdConv2d> {
    private final DcdConv2dConfig config;

    Dcd(String name, DcdConv2dConfig config) {
      super("DcdConv2d", name, "dcd_conv2d");
      this.config = Layers.required("DcdConv2d", "config", config);
    }

    @Override
    protected DcdConv2d build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      DcdConv2d dcd = DcdConv2d.create(scope, config, channels(scope, x));
      ctx.track(dcd.variables());
      return dcd;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, DcdConv2d dcd, Operand<TFloat32> x) {
      long[] nhwc = Shapes.requireNhwc(component(), dcd.scope(), x);
      DcdOutput out = dcd.apply(x, ctx.mode());
      DcdBranch.Attention a = out.attention();
      ctx.routingOutputs().dcd(dcd.scope().path(), a);
      ctx.macs(dcd.macs((int) nhwc[1], (int) nhwc[2]));
      return ctx.forward(out.forward());
    }
  }

  /**
   * DCD's dynamic classifier on {@code [B,F]}: {@code y = Lambda(x) W0 x + P Phi(x) Q^T x}; lambda
   * and Phi reported to the context.
   */
  static final class DcdFc extends BuiltOnce<DcdDense> {
    private final DcdDenseConfig config;

    DcdFc(String name, DcdDenseConfig config) {
      super("DcdDense", name, "dcd_dense");
      this.config = Layers.required("DcdDense", "config", config);
    }

    @Override
    protected DcdDense build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
      DcdDense dense = DcdDense.create(scope, config, PlainLayers.features("DcdDense", scope, x));
      ctx.track(dense.variables());
      return dense;
    }

    @Override
    protected Operand<TFloat32> apply(BuildContext ctx, DcdDense dense, Operand<TFloat32> x) {
      DcdOutput out = dense.apply(x, ctx.mode());
      ctx.routingOutputs().dcd(dense.scope().path(), out.attention());
      ctx.macs(dense.macs());
      return ctx.forward(out.forward());
    }
  }
}

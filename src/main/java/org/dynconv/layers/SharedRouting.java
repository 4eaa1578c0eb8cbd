package org.dynconv.layers;

import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A block whose CondConv layers share one routing, as in Google's MBConv: {@code r =
 * sigmoid(GAP(x) W + b)} is computed once from the block's input ({@code <name>/routing/kernel
 * [C,E]}, {@code bias [E]}), and every CondConv layer of the body (regular or depthwise, with E
 * experts) mixes its kernels with it instead of routing on its own. Other layers of the body are
 * unaffected.
 */
public final class SharedRouting extends BuiltOnce<SigmoidRouting> {
  private final String name;
  private final int numExperts;
  private final Layer body;

  private SharedRouting(String name, int numExperts, Layer body) {
    super("SharedRouting", name, "shared_routing");
    this.name = name;
    this.numExperts = org.dynconv.config.Check.positive("SharedRouting", "numExperts", numExperts);
    this.body = Layers.required("SharedRouting", "body", body);
  }

  /** A block under {@code <scope>/<name>}: routing over {@code numExperts}, then the body. */
  public static SharedRouting of(String name, int numExperts, Layer... body) {
    Layers.required("SharedRouting", "name", name);
    return new SharedRouting(name, numExperts, Sequential.of(body));
  }

  @Override
  protected SigmoidRouting build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
    SigmoidRouting r = SigmoidRouting.create(scope.child("routing"), numExperts, channels(scope, x));
    ctx.track(r.variables());
    return r;
  }

  @Override
  protected Operand<TFloat32> apply(BuildContext ctx, SigmoidRouting router, Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc("SharedRouting", ctx.scope(), x);
    PooledInput in = router.pool(x, ctx.mode());
    Operand<TFloat32> r = router.routePooled(in.pooled());
    ctx.macs(router.macs(nhwc[1], nhwc[2]));
    BuildContext inner = ctx.child(name);
    inner.pushSharedRouting(r);
    try {
      return body.call(inner, in.x());
    } finally {
      inner.popSharedRouting();
    }
  }
}

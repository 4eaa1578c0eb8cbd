package org.dynconv.routing;

import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * CondConv routing (Yang et al. 2019; Google's MBConv block): {@code r = sigmoid(mean_{H,W}(x) W +
 * b)}, {@code W [C,E]} Glorot-uniform, {@code b [E]} zeros. Weights lie in (0,1) and need not sum
 * to 1. Variables {@code kernel} and {@code bias} under the given scope (Google names that scope
 * {@code dense} inside the block).
 */
public final class SigmoidRouting implements Routing {
  private final LayerScope scope;
  private final Dense dense;
  private final int inChannels;

  private SigmoidRouting(LayerScope scope, Dense dense, int inChannels) {
    this.scope = scope;
    this.dense = dense;
    this.inChannels = inChannels;
  }

  /** Creates {@code <scope>/kernel [inChannels, numExperts]} and {@code <scope>/bias}. */
  public static SigmoidRouting create(LayerScope scope, int numExperts, int inChannels) {
    Check.positive("SigmoidRouting", "numExperts", numExperts);
    Check.positive("SigmoidRouting", "inChannels", inChannels);
    Dense dense =
        Dense.create(scope, new DenseConfig(numExperts, true, Activation.SIGMOID,
            DenseConfig.KernelInit.GLOROT_UNIFORM), inChannels);
    return new SigmoidRouting(scope, dense, inChannels);
  }

  @Override
  public Operand<TFloat32> route(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc("SigmoidRouting", scope, x);
    Shapes.requireChannels("SigmoidRouting", scope, nhwc, inChannels);
    return routePooled(GlobalAvgPool.apply(scope.ops(), x));
  }

  @Override
  public PooledInput pool(Operand<TFloat32> x, Mode mode) {
    return PooledInput.checked("SigmoidRouting", scope, x, inChannels, mode);
  }

  @Override
  public Operand<TFloat32> routePooled(Operand<TFloat32> pooled) {
    PooledInput.requireChannels("SigmoidRouting", scope, pooled, inChannels);
    return dense.apply(pooled);
  }

  @Override
  public int numExperts() {
    return dense.config().units();
  }

  @Override
  public int inChannels() {
    return inChannels;
  }

  @Override
  public List<VariableRef> variables() {
    return dense.variables().stream().map(VariableRef::asRouting).toList();
  }

  @Override
  public long macs(long h, long w) {
    return h * w * inChannels + (long) inChannels * numExperts();
  }
}

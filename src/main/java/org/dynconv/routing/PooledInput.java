package org.dynconv.routing;

import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.conv.kernels.KernelOps;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A layer's input {@code x [B, H, W, C]} and its mean over H and W {@code pooled [B, C]}, the
 * input of a routing: the layer convolves {@code x()} and routes from {@code pooled()}.
 *
 * <p>The values are those of {@code x} and {@link GlobalAvgPool}. In a training graph with
 * dynconv's kernel library loaded, both come out of {@link KernelOps#meanRouted}, so that the
 * gradient reaching x is summed in one broadcast addition instead of TensorFlow's Tile, division
 * and AddN over the whole input (DynamicConv's training step spent 3.7 ms in Tile and 3.5 ms in
 * AddN on MobileNetV2 0.25 at batch 64; src/site/markdown/results/performance.md).
 *
 * @param x the input, to be convolved
 * @param pooled its mean over height and width, to be routed from
 */
public record PooledInput(Operand<TFloat32> x, Operand<TFloat32> pooled) {
  /** {@code x} and its mean, routed for a faster gradient where {@code mode} trains. */
  public static PooledInput of(Ops tf, Operand<TFloat32> x, Mode mode) {
    Shape s = x.shape();
    boolean knownSize = s.numDimensions() == 4 && s.size(1) > 0 && s.size(2) > 0;
    if (!mode.training() || !knownSize || !KernelLibrary.available()) {
      // The route needs H W when the graph is built; an image of unknown size pools as before.
      return new PooledInput(x, GlobalAvgPool.apply(tf, x));
    }
    GraphOperation route = KernelOps.meanRouted(tf, x);
    return new PooledInput(route.output(0), route.output(1));
  }

  /**
   * {@link #of} in the routing's scope, after checking that {@code x} is {@code [B, H, W,
   * channels]} with H and W known (the routing's {@code pool}).
   */
  static PooledInput checked(String component, LayerScope scope, Operand<TFloat32> x,
      int channels, Mode mode) {
    long[] nhwc = Shapes.requireNhwc(component, scope, x);
    Shapes.requireChannels(component, scope, nhwc, channels);
    return of(scope.ops(), x, mode);
  }

  /** Checks that {@code pooled} is {@code [B, channels]}, naming the routing when not. */
  static void requireChannels(String component, LayerScope scope, Operand<TFloat32> pooled,
      int channels) {
    Shape s = pooled.shape();
    if (s.numDimensions() != 2 || s.size(1) != channels) {
      throw new IllegalArgumentException(component + " '" + scope.path() + "': the pooled input"
          + " has shape " + s + "; expected [B, " + channels + "], the channels it was built for.");
    }
  }
}

package org.dynconv.routing;

import java.util.List;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A routing function: per-example expert weights {@code [B,E]} from a feature map {@code
 * [B,H,W,C]}. Compute it once and pass the result to every conditional layer that shares it (as
 * Google's MBConv block shares one routing vector among its expand, depthwise and project convs).
 */
public interface Routing {
  /** {@code [B,H,W,C] -> [B,E]}. */
  Operand<TFloat32> route(Operand<TFloat32> x);

  /**
   * The input and its mean over height and width, pooled in this routing's scope (checked
   * against the channels it was built for): route from {@link PooledInput#pooled()} with {@link
   * #routePooled} and convolve {@link PooledInput#x()}, so that training graphs get the pooling's
   * faster gradient.
   */
  PooledInput pool(Operand<TFloat32> x, Mode mode);

  /** The weights {@link #route} gives, from the input's mean {@code [B,C] -> [B,E]}. */
  Operand<TFloat32> routePooled(Operand<TFloat32> pooled);

  /** E, the width of the routing weights. */
  int numExperts();

  /** The input channels the routing was built for. */
  int inChannels();

  /** Variables in creation order. */
  List<VariableRef> variables();

  /** Multiply-adds per example for an {@code h x w} input (pooling plus the dense layers). */
  long macs(long h, long w);
}

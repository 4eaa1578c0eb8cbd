package org.dynconv.routing;

import java.util.List;
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

  /** E, the width of the routing weights. */
  int numExperts();

  /** The input channels the routing was built for. */
  int inChannels();

  /** Variables in creation order. */
  List<VariableRef> variables();

  /** Multiply-adds per example for an {@code h x w} input (pooling plus the dense layers). */
  long macs(long h, long w);
}

package org.dynconv.routing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a model's conditional layers compute per example besides their output, collected while the
 * model is built and returned with it (nothing is looked up in the graph later):
 *
 * <ul>
 *   <li>routing: per layer (keyed by its scope) weights over its experts or kernels {@code [B,E]}:
 *       CondConv's sigmoid routing, DynamicConv's attention, ODConv's kernel attention (n > 1).
 *       Training logs and the analysis take their entropy.
 *   <li>attentions: the other per-example tensors, keyed {@code <scope>/<name>}: DCD's {@code
 *       lambda [B,O]} and {@code phi [B,L,L]}; ODConv's {@code channel_attention [B,C]}, {@code
 *       filter_attention [B,O]}, {@code spatial_attention [B,kh*kw]}.
 * </ul>
 *
 * Both go into an export's {@code routing} signature.
 */
public final class RoutingOutputs {
  public static final String LAMBDA = "lambda";
  public static final String PHI = "phi";
  public static final String CHANNEL = "channel_attention";
  public static final String FILTER = "filter_attention";
  public static final String SPATIAL = "spatial_attention";

  private final Map<String, Operand<TFloat32>> routing = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> attentions = new LinkedHashMap<>();

  /** Records a layer's routing weights. */
  public void routing(String layerScope, Operand<TFloat32> weights) {
    routing.put(layerScope, weights);
  }

  /** Records DCD's lambda and Phi. */
  public void dcd(String layerScope, DcdBranch.Attention a) {
    attentions.put(layerScope + "/" + LAMBDA, a.lambda());
    attentions.put(layerScope + "/" + PHI, a.phi());
  }

  /** Records ODConv's four attentions: the kernel attention as routing, the others as attentions. */
  public void odconv(String layerScope, OdAttention.Weights w) {
    attentions.put(layerScope + "/" + CHANNEL, w.channel());
    if (w.filter() != null) {
      attentions.put(layerScope + "/" + FILTER, w.filter());
    }
    if (w.spatial() != null) {
      attentions.put(layerScope + "/" + SPATIAL, w.spatial());
    }
    if (w.kernel() != null) {
      routing.put(layerScope, w.kernel());
    }
  }

  /** Whether a routing-signature output key names routing weights (not another attention). */
  public static boolean isRoutingKey(String key) {
    for (String s : new String[] {LAMBDA, PHI, CHANNEL, FILTER, SPATIAL}) {
      if (key.endsWith("/" + s)) {
        return false;
      }
    }
    return true;
  }

  public Map<String, Operand<TFloat32>> routing() {
    return routing;
  }

  public Map<String, Operand<TFloat32>> attentions() {
    return attentions;
  }
}

package org.dynconv.conv;

import java.util.EnumMap;
import java.util.Map;
import org.dynconv.graph.Mode;

/**
 * Maps a {@link Strategy} to its implementation and resolves AUTO.
 *
 * <p>AUTO: 1x1 kernels use BATCHED_MATMUL; depthwise kernels use DEPTHWISE_FOLD; k x k regular
 * kernels use GROUPED, unless the graph trains on a runtime without grouped-conv gradients, where
 * they use LOOP when the batch is static and DEPTHWISE_FOLD otherwise.
 */
public final class StrategySelector {
  private static final Map<Strategy, PerExampleConv> IMPLS = new EnumMap<>(Strategy.class);

  static {
    IMPLS.put(Strategy.GROUPED, new GroupedConv());
    IMPLS.put(Strategy.DEPTHWISE_FOLD, new DepthwiseFoldConv());
    IMPLS.put(Strategy.BATCHED_MATMUL, new BatchedMatMulConv());
    IMPLS.put(Strategy.LOOP, new LoopConv());
  }

  private StrategySelector() {}

  /** The strategy AUTO picks for {@code p} in {@code mode}. */
  public static Strategy auto(ConvProblem p, Mode mode) {
    if (p.geometry().isPointwise()) {
      return Strategy.BATCHED_MATMUL;
    }
    if (p.kind() == ConvKind.DEPTHWISE) {
      return Strategy.DEPTHWISE_FOLD;
    }
    if (groupedTrains(p, mode)) {
      return Strategy.GROUPED;
    }
    return p.staticBatch() ? Strategy.LOOP : Strategy.DEPTHWISE_FOLD;
  }

  /**
   * The implementation for {@code requested} (AUTO resolved), after checking it can compute {@code
   * p} and, when training, that its gradient exists.
   *
   * @param owner for messages, e.g. {@code CondConv2d 'blocks_8/conv2d'}
   */
  public static PerExampleConv resolve(String owner, Strategy requested, ConvProblem p, Mode mode) {
    Strategy s = requested == Strategy.AUTO ? auto(p, mode) : requested;
    PerExampleConv impl = IMPLS.get(s);
    String reason = impl.unsupportedReason(p);
    if (reason != null) {
      throw new IllegalArgumentException(
          owner + ": strategy " + s + " cannot compute this layer: " + reason + " (input [" + p.batch()
              + ", " + p.height() + ", " + p.width() + ", " + p.inChannels() + "]).");
    }
    if (s == Strategy.GROUPED && !groupedTrains(p, mode)) {
      throw new IllegalArgumentException(
          owner + ": strategy GROUPED cannot be trained on this runtime: grouped Conv2D gradients"
              + " are unavailable on CPU without oneDNN (TF_ENABLE_ONEDNN_OPTS="
              + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "unset")
              + "); expected strategy AUTO, DEPTHWISE_FOLD, LOOP or BATCHED_MATMUL, or Mode.INFER.");
    }
    return impl;
  }

  private static boolean groupedTrains(ConvProblem p, Mode mode) {
    if (!mode.training() || RuntimeSupport.groupedConvGradients()) {
      return true;
    }
    // With one example and a regular kernel the "grouped" conv has a single group.
    return p.kind() == ConvKind.REGULAR && p.batch() == 1;
  }
}

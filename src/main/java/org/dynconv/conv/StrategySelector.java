package org.dynconv.conv;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.graph.Mode;
import org.dynconv.graph.RuntimeSupport;

/**
 * Maps a {@link Strategy} to its implementation and resolves AUTO.
 *
 * <p>AUTO takes the fastest strategy measured for the layer's kind, batch regime and mode ({@link
 * AutoTable}) that can compute the layer and, in a training graph, be differentiated on this
 * runtime. Without a table entry it falls back to: a static batch of 1, FUSED; 1x1 kernels,
 * BATCHED_MATMUL; depthwise, DEPTHWISE_FOLD; k x k, GROUPED when it can train, else LOOP (static
 * batch) or DEPTHWISE_FOLD. FUSED and LOOP need a static batch, so graphs with an unknown batch
 * (default exports) never get them; {@code export --static-batch N} fixes the batch.
 *
 * <p>AUTO takes KERNEL (dynconv's own kernel) only where the table ranks it first, the kernel
 * library is loaded, and the mode allows dynconv's ops ({@link Mode#kernels()}: training graphs
 * and {@link Mode#INFER_KERNELS}): {@link Mode#INFER} graphs become default exports, which keep
 * TensorFlow's own ops so that Python and TF-Serving load them without the library.
 */
public final class StrategySelector {
  private static final Map<Strategy, PerExampleConv> IMPLS = new EnumMap<>(Strategy.class);

  static {
    IMPLS.put(Strategy.GROUPED, new GroupedConv());
    IMPLS.put(Strategy.DEPTHWISE_FOLD, new DepthwiseFoldConv());
    IMPLS.put(Strategy.BATCHED_MATMUL, new BatchedMatMulConv());
    IMPLS.put(Strategy.LOOP, new LoopConv());
    IMPLS.put(Strategy.FUSED, new FusedConv());
    IMPLS.put(Strategy.KERNEL, new KernelConv());
  }

  /** BATCHED_MATMUL in training graphs when the kernel library is loaded (faster gradients). */
  private static final PerExampleConv ROUTED_MATMUL = BatchedMatMulConv.routingGradients();

  private StrategySelector() {}

  private static final java.util.concurrent.atomic.AtomicBoolean TOLD_NO_KERNELS =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** The strategy AUTO picks for {@code p} in {@code mode}. */
  public static Strategy auto(ConvProblem p, Mode mode) {
    return auto(p, mode, AutoTable.preferences(p, mode));
  }

  /** AUTO's choice for {@code p} given the table's {@code preferences} for it. */
  static Strategy auto(ConvProblem p, Mode mode, List<Strategy> preferences) {
    for (Strategy s : preferences) {
      if (usable(s, p, mode)) {
        return s;
      }
      if (s == Strategy.KERNEL && mode.kernels() && !KernelLibrary.available()
          && !TOLD_NO_KERNELS.getAndSet(true)) {
        // Once per process: the measured fastest strategy is missing, and why.
        System.err.println("dynconv: AUTO would take dynconv's own kernel for some layers, but the "
            + KernelLibrary.status().describe() + "; TensorFlow's ops are used instead.");
      }
    }
    for (Strategy s : fallback(p, mode)) {
      if (usable(s, p, mode)) {
        return s;
      }
    }
    throw new IllegalStateException("StrategySelector: no strategy computes " + p);
  }

  private static List<Strategy> fallback(ConvProblem p, Mode mode) {
    if (p.batch() == 1) {
      return List.of(Strategy.FUSED);
    }
    if (p.geometry().isPointwise()) {
      return List.of(Strategy.BATCHED_MATMUL);
    }
    if (p.kind() == ConvKind.DEPTHWISE) {
      return List.of(Strategy.DEPTHWISE_FOLD);
    }
    return List.of(Strategy.GROUPED, Strategy.LOOP, Strategy.DEPTHWISE_FOLD);
  }

  private static boolean usable(Strategy s, ConvProblem p, Mode mode) {
    return IMPLS.get(s).unsupportedReason(p) == null
        && (s != Strategy.GROUPED || (groupedTrains(p, mode) && groupedIsFast(p)))
        && (s != Strategy.KERNEL || mode.kernels());
  }

  /**
   * The implementation for {@code requested} (AUTO resolved), after checking it can compute {@code
   * p} and, when training, that its gradient exists.
   *
   * @param owner for messages, e.g. {@code CondConv2d 'blocks_8/conv2d'}
   */
  public static PerExampleConv resolve(String owner, Strategy requested, ConvProblem p, Mode mode) {
    if (requested == Strategy.TAPS) {
      throw new IllegalArgumentException(owner + ": strategy TAPS applies only to ODConv layers with"
          + " one kernel and a k x k kernel (a shared kernel with per-tap attention); expected AUTO,"
          + " GROUPED, DEPTHWISE_FOLD, BATCHED_MATMUL, LOOP or FUSED.");
    }
    Strategy s = requested == Strategy.AUTO ? auto(p, mode) : requested;
    PerExampleConv impl = IMPLS.get(s);
    if (s == Strategy.BATCHED_MATMUL && mode.training() && KernelLibrary.available()) {
      impl = ROUTED_MATMUL;
    }
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

  /**
   * Whether AUTO may take GROUPED for {@code p} in inference. Without oneDNN (probed through its
   * grouped-conv gradient) TensorFlow's CPU Conv2D with one group per depthwise channel is many
   * times slower than DEPTHWISE_FOLD: b0-8e's dynamic-batch path spent 0.94 s in it at B = 8
   * where b0's depthwise convolutions took 0.06 s, and passing over GROUPED for depthwise layers
   * took b0-8e from 3.9x to 1.4x b0 at B = 32. For regular k x k layers GROUPED stays: the
   * alternatives were 8x slower still (small CNN, B = 32).
   */
  private static boolean groupedIsFast(ConvProblem p) {
    return RuntimeSupport.oneDnn() || p.kind() != ConvKind.DEPTHWISE;
  }

  private static boolean groupedTrains(ConvProblem p, Mode mode) {
    if (!mode.training() || RuntimeSupport.groupedConvGradients()) {
      return true;
    }
    // With one example and a regular kernel the "grouped" conv has a single group.
    return p.kind() == ConvKind.REGULAR && p.batch() == 1;
  }
}

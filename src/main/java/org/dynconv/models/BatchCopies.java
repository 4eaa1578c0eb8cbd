package org.dynconv.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;

/**
 * An inference model with static-batch copies: the dynamic-batch build, and for each size in
 * {@code batches} a second build with that static batch, in the same graph and sharing every
 * variable. A copy lets AUTO pick the strategies that need a known batch (FUSED at batch 1, LOOP
 * or chunks above), which a dynamic batch cannot use; exports give each copy signatures of its
 * own ({@code serving_default_batch_N}, {@code routing_batch_N}) and {@link
 * org.dynconv.infer.Predictor} runs the copy of a request's batch size when there is one.
 *
 * <p>Why copies and signatures rather than one {@code serving_default} that dispatches on the
 * batch size: in TensorFlow 2.18 a {@code StatelessCase} with one function branch per batch size
 * computes the right numbers, but with oneDNN on its branches fail FusedBatchNormV3 ("Missing
 * 0-th output") and its dynamic-batch branch ran at oneDNN-off speed, 5.8x b0 where the same ops
 * outside a function ran 1.18x (b0-8e, B = 32); keeping the dynamic-batch ops outside and slicing their
 * input to no rows when a branch takes the batch fails under oneDNN too (kernels mis-shape empty
 * batches). src/site/markdown/results/performance.md gives the measurements.
 *
 * @param dynamic the main build (a dynamic batch whenever there are copies); it owns the
 *     variables
 * @param byBatch each static-batch copy, by its batch size, in the order asked for
 */
public record BatchCopies(Model dynamic, Map<Long, Model> byBatch) {
  public BatchCopies {
    byBatch = Collections.unmodifiableMap(new LinkedHashMap<>(byBatch));
  }

  /** The key of signature {@code key} on the copy for batch {@code b}: {@code <key>_batch_<b>}. */
  public static String signatureKey(String key, long b) {
    return key + "_batch_" + b;
  }

  /**
   * Builds {@code spec} under {@code root} with a dynamic batch, then once per size in {@code
   * batches} with that static batch, sharing the first build's variables.
   *
   * @param options INFER with an unknown batch when there are copies; any options without
   * @param batches distinct sizes >= 1; empty gives the build of {@code options} alone
   */
  public static BatchCopies build(ModelSpec spec, LayerScope root, BuildOptions options,
      List<Long> batches) {
    check(options, batches);
    Model dynamic = spec.build(root, options);
    Map<String, VariableRef> variables = new LinkedHashMap<>();
    dynamic.variables().forEach(v -> variables.put(v.name(), v));
    Map<Long, Model> copies = new LinkedHashMap<>();
    for (long b : batches) {
      copies.put(b, spec.build(LayerScope.sharing(root.graph(), "batch_" + b, variables),
          options.withBatch(b)));
    }
    return new BatchCopies(dynamic, copies);
  }

  private static void check(BuildOptions options, List<Long> batches) {
    if (!batches.isEmpty() && (options.mode().training() || options.batch() != -1)) {
      throw new IllegalArgumentException("BatchCopies: options=" + options
          + " are invalid; expected mode=INFER with an unknown batch (-1).");
    }
    if (new LinkedHashSet<>(batches).size() != batches.size()
        || batches.stream().anyMatch(b -> b == null || b < 1 || b > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("BatchCopies: batches=" + batches
          + " is invalid; expected distinct sizes >= 1.");
    }
  }
}

package org.dynconv.models;

import java.util.List;
import java.util.Map;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNormFold;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The handles of a model built into a graph. Everything a trainer or exporter needs travels here;
 * nothing is looked up in the graph afterwards.
 *
 * @param name model name, also the root scope of its variables
 * @param images input {@code [-1,H,W,C]}, float pixels in 0..255 (the graph normalises)
 * @param logits {@code [B, classes]}
 * @param probabilities softmax of the logits
 * @param variables every model variable (trainable and moving statistics) in creation order
 * @param updates ops a training step must run (BatchNorm moving statistics); empty in INFER
 * @param routing per conditional layer (by scope), its routing or attention weights over experts
 *     or kernels {@code [B,E]}
 * @param attentions the other per-example attentions, keyed {@code <scope>/<name>} (DCD's lambda
 *     and Phi, ODConv's channel, filter and spatial attentions; see {@link
 *     org.dynconv.routing.RoutingOutputs})
 * @param temperature DynamicConv's shared temperature input, or null
 * @param stepSeed {@code [2]} int64 seed for dropout masks, fed per training step; null in INFER
 * @param macsPerImage multiply-adds per image, as the layers report them to their build context:
 *     convolutions, dense layers, routing (pooling plus its dense layers) and kernel mixing;
 *     elementwise ops, BatchNorm (foldable into the convolutions) and other pooling not counted
 * @param batchNormFolds every convolution followed by a BatchNorm, for folded exports
 * @param strategies each conditional layer and the convolution strategy it chose in this build
 *     ({@link Strategy#KERNEL}: the graph needs dynconv's kernel library)
 */
public record Model(String name, Operand<TFloat32> images, Operand<TFloat32> logits,
    Operand<TFloat32> probabilities, List<VariableRef> variables, List<Op> updates,
    Map<String, Operand<TFloat32>> routing, Map<String, Operand<TFloat32>> attentions,
    Operand<TFloat32> temperature,
    Operand<TInt64> stepSeed, long macsPerImage, List<BatchNormFold> batchNormFolds,
    Map<String, Strategy> strategies) {

  /** Whether some layer of the graph runs dynconv's own kernel op (strategy KERNEL). */
  public boolean usesKernelLibrary() {
    return strategies.containsValue(Strategy.KERNEL);
  }

  /** Routing weights and attentions together, as the {@code routing} signature exports them. */
  public Map<String, Operand<TFloat32>> routingSignatureOutputs() {
    Map<String, Operand<TFloat32>> all = new java.util.LinkedHashMap<>(routing);
    all.putAll(attentions);
    return all;
  }

  public List<VariableRef> trainableVariables() {
    return variables.stream().filter(VariableRef::trainable).toList();
  }

  /** Trainable parameters. */
  public long parameterCount() {
    return trainableVariables().stream().mapToLong(VariableRef::size).sum();
  }
}

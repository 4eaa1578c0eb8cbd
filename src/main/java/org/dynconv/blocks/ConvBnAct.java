package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DynamicConv2d;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Norm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Convolution (static, CondConv or DynamicConv, without bias), BatchNorm, activation: the unit
 * the small CNN is made of. BatchNorm and the activation follow the conditional convolution, as in
 * both papers. Layer scopes are Keras' automatic names within the block ({@code conv2d}, {@code
 * cond_conv2d_1}, {@code dynamic_conv2d}, {@code batch_normalization_1}, ...).
 */
public final class ConvBnAct {
  private final ConvType type;
  private final Conv2d conv;
  private final CondConv2d condConv;
  private final DynamicConv2d dynamicConv;
  private final Norm bn;
  private final BatchNormFold fold;
  private final Activation activation;
  private final LayerScope block;
  private final int height;
  private final int width;

  /**
   * @param experts E for CondConv or K for DynamicConv (ignored for static)
   * @param temperature DynamicConv's shared temperature input (ignored otherwise)
   */
  public ConvBnAct(LayerScope block, ConvType type, int inChannels, int filters, ConvGeometry g,
      int experts, Operand<TFloat32> temperature, BatchNormConfig bnConfig, Activation activation,
      int inHeight, int inWidth, boolean foldBatchNorm) {
    this.type = type;
    this.block = block;
    this.activation = activation;
    this.height = inHeight;
    this.width = inWidth;
    Conv2d c = null;
    CondConv2d cc = null;
    DynamicConv2d dc = null;
    switch (type) {
      case STATIC -> c = Conv2d.create(block.uniqueChild("conv2d"),
          Conv2dConfig.of(filters, g).withBias(false), inChannels);
      case CONDCONV -> cc = CondConv2d.create(block.uniqueChild("cond_conv2d"),
          CondConv2dConfig.of(filters, g, experts).withBias(false), inChannels);
      case DYNAMIC -> dc = DynamicConv2d.create(block.uniqueChild("dynamic_conv2d"),
          DynamicConv2dConfig.of(filters, g, experts).withBias(false), inChannels, temperature);
    }
    this.conv = c;
    this.condConv = cc;
    this.dynamicConv = dc;
    LayerScope bnScope = block.uniqueChild("batch_normalization");
    this.bn = Norm.create(bnScope, bnConfig, filters, foldBatchNorm);
    String kernel = c != null ? c.kernel().name() : cc != null ? cc.experts().kernel().name()
        : dc.experts().kernel().name();
    this.fold = new BatchNormFold(kernel, filters, bnScope.path(), bnConfig.epsilon());
  }

  /**
   * @param routing CondConv routing weights shared by the block (ignored otherwise)
   * @param routingOut receives this unit's routing or attention weights, keyed by layer scope
   */
  public Forward apply(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode,
      java.util.Map<String, Operand<TFloat32>> routingOut) {
    Operand<TFloat32> y;
    switch (type) {
      case STATIC -> y = conv.apply(x);
      case CONDCONV -> {
        y = condConv.apply(x, routing, mode);
        routingOut.put(condConv.scope().path(), routing);
      }
      default -> {
        Operand<TFloat32> att = dynamicConv.routing().route(x);
        y = dynamicConv.apply(x, att, mode);
        routingOut.put(dynamicConv.scope().path(), att);
      }
    }
    Forward f = bn.apply(y, mode);
    return new Forward(Activations.apply(block.ops(), f.output(), activation), f.updates());
  }

  /** Multiply-adds per image: the convolution, its mixing and DynamicConv's attention. */
  public long macs() {
    return switch (type) {
      case STATIC -> {
        var g = conv.config().geometry();
        long in = conv.kernel().shape().size(2);
        yield (long) g.outputHeight(height) * g.outputWidth(width) * g.kernelH() * g.kernelW() * in
            * conv.config().filters();
      }
      case CONDCONV -> condConv.macs(height, width);
      case DYNAMIC -> dynamicConv.macs(height, width) + dynamicConv.routing().macs(height, width);
    };
  }

  /** The convolution-BatchNorm pair, for folded exports. */
  public BatchNormFold fold() {
    return fold;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    switch (type) {
      case STATIC -> vs.addAll(conv.variables());
      case CONDCONV -> vs.addAll(condConv.variables());
      case DYNAMIC -> vs.addAll(dynamicConv.variables());
    }
    vs.addAll(bn.variables());
    return vs;
  }

}

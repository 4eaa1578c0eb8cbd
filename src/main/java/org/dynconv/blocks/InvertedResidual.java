package org.dynconv.blocks;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.BuildContext;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * MobileNetV2's inverted residual block with every convolution of the chosen family:
 *
 * <pre>
 * x = relu6(bn(expand 1x1 (x)))        if t != 1   (in -> t*in)
 * x = relu6(bn(depthwise 3x3, s (x)))
 * x = bn(project 1x1 (x))                           (t*in -> out), linear
 * x = x + input                        if s == 1 and in == out
 * </pre>
 *
 * How each family replaces the convolutions, following each paper's MobileNetV2: CondConv makes all
 * three conditional with one sigmoid routing per block computed from the block input (Google's
 * MBConv); DynamicConv and ODConv make all three dynamic, each with its own attention; DCD
 * decomposes expand and project and leaves the depthwise convolution static, and leaves a block
 * without expansion static altogether (the official MobileNetV2-DCD).
 */
public final class InvertedResidual implements BlockLayers.Block {
  private final LayerScope block;
  private final int in;
  private final int out;
  private final int stride;
  private final SigmoidRouting routing;
  private final ConvBnAct expand;
  private final ConvBnAct depthwise;
  private final ConvBnAct project;
  private final int height;

  /**
   * @param type the convolution family
   * @param experts E, K or n
   * @param t expansion ratio, >= 1
   * @param size input height and width
   */
  public InvertedResidual(LayerScope block, ConvType type, int in, int out, int stride, int t,
      int experts, BatchNormConfig bn, int size, boolean fold, Operand<TFloat32> temperature) {
    Check.positive("InvertedResidual", "t", t);
    this.block = block;
    this.in = in;
    this.out = out;
    this.stride = stride;
    this.height = size;
    int mid = in * t;
    ConvType own = type == ConvType.DCD && t == 1 ? ConvType.STATIC : type;
    this.routing = own == ConvType.CONDCONV ? SigmoidRouting.create(block.child("dense"), experts, in)
        : null;
    ConvGeometry pointwise = ConvGeometry.of(1);
    this.expand = t == 1 ? null : new ConvBnAct(block, new ConvBnAct.Spec(own, ConvKind.REGULAR,
        in, mid, pointwise, experts, bn, Activation.RELU6, size, size, fold,
        ConvBnAct.DcdRule.MOBILENET_V2), temperature);
    this.depthwise = new ConvBnAct(block, new ConvBnAct.Spec(own, ConvKind.DEPTHWISE, mid, mid,
        ConvGeometry.of(3).withStride(stride), experts, bn, Activation.RELU6, size, size, fold,
        ConvBnAct.DcdRule.MOBILENET_V2), temperature);
    int outSize = depthwise.outSize(size);
    this.project = new ConvBnAct(block, new ConvBnAct.Spec(own, ConvKind.REGULAR, mid, out,
        pointwise, experts, bn, Activation.NONE, outSize, outSize, fold,
        ConvBnAct.DcdRule.MOBILENET_V2), temperature);
  }

  public Forward apply(BuildContext ctx, Operand<TFloat32> input) {
    List<Op> updates = new ArrayList<>();
    Operand<TFloat32> r = null;
    Operand<TFloat32> x = input;
    if (routing != null) {
      PooledInput pooled = routing.pool(input, ctx.mode());
      r = routing.routePooled(pooled.pooled());
      x = pooled.x();
    }
    for (ConvBnAct unit : units()) {
      Forward f = unit.apply(ctx, x, r);
      updates.addAll(f.updates());
      x = f.output();
    }
    if (stride == 1 && in == out) {
      x = block.ops().math.add(x, input);
    }
    return new Forward(x, updates);
  }

  private List<ConvBnAct> units() {
    return expand == null ? List.of(depthwise, project) : List.of(expand, depthwise, project);
  }

  public int outSize() {
    return depthwise.outSize(height);
  }

  /** Multiply-adds per image, routing included. */
  public long macs() {
    long m = units().stream().mapToLong(ConvBnAct::macs).sum();
    return routing == null ? m : m + routing.macs(height, height);
  }

  public List<BatchNormFold> folds() {
    List<BatchNormFold> f = new ArrayList<>();
    units().forEach(u -> f.addAll(u.folds()));
    return f;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    if (routing != null) {
      vs.addAll(routing.variables());
    }
    units().forEach(u -> vs.addAll(u.variables()));
    return vs;
  }
}

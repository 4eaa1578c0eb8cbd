package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.blocks.BlockLayers;
import org.dynconv.blocks.ConvBnAct;
import org.dynconv.blocks.ConvType;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.DcdDense;
import org.dynconv.layers.DcdDenseConfig;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.DenseConfig;

/**
 * A small CNN for 28x28 grey images in three variants of the same layout:
 *
 * <pre>
 * stem      conv 3x3 -> 32, BN, ReLU (always static)            28x28x32
 * blocks_1  conv 3x3 s2 -> 64, BN, ReLU; conv 3x3 -> 64, BN, ReLU 14x14x64
 * blocks_2  conv 3x3 s2 -> 128, BN, ReLU; conv 3x3 -> 128, BN, ReLU 7x7x128
 * head      global average pool, dropout, dense -> classes (10)
 * </pre>
 *
 * In the CondConv variant the block's convs are CondConv2d sharing one sigmoid routing computed
 * from the block input (as in Google's MBConv); in the DynamicConv variant each is a DynamicConv2d
 * with its own attention and the model's shared temperature; in the DCD variant each is a
 * DcdConv2d (the official ResNet basic-block sizes); in the ODConv variant each is an OdConv2d
 * with n kernels (n = 1 by default, "ODConv 1x") reading the shared temperature.
 *
 * @param type static, condconv, dynamic, dcd or odconv
 * @param experts E, K or ODConv's n (ignored for static and dcd)
 * @param dropout head dropout rate
 * @param temperature default of the DynamicConv temperature input (the exported value)
 * @param dynamicHead the classifier is DCD's dynamic dense layer ({@link DcdDense}, the official
 *     DCD models' {@code DYCls}) instead of a plain dense layer; the model is then named {@code
 *     <name>-dycls}
 * @param classes classifier outputs (10 for Fashion-MNIST; another number is a new head)
 */
public record SmallCnn(ConvType type, int experts, double dropout, double temperature,
    boolean dynamicHead, int classes) implements ModelSpec {
  private static final int[][] BLOCKS = {{64, 2}, {128, 2}};
  static final InputNormalisation NORM =
      new InputNormalisation(new float[] {72.94f}, new float[] {90.02f});

  public SmallCnn {
    Check.notNull("SmallCnn", "type", type);
    Check.positive("SmallCnn", "experts", experts);
    Check.inHalfOpen("SmallCnn", "dropout", dropout, 0, 1);
    Check.positiveFinite("SmallCnn", "temperature", temperature);
    Check.inRange("SmallCnn", "classes", classes, 1, 100_000);
  }

  /** Four experts for CondConv and DynamicConv, one kernel for ODConv ("1x"). */
  public static SmallCnn of(ConvType type) {
    return of(type, false);
  }

  /** As {@link #of(ConvType)}, with DCD's dynamic classifier head when {@code dynamicHead}. */
  public static SmallCnn of(ConvType type, boolean dynamicHead) {
    return new SmallCnn(type, type == ConvType.ODCONV ? 1 : 4, 0.2, 1.0, dynamicHead, 10);
  }

  @Override
  public ModelSpec withFinalTemperature(double t) {
    return new SmallCnn(type, experts, dropout, t, dynamicHead, classes);
  }

  @Override
  public ModelSpec withExperts(int e) {
    if (!type.hasExperts()) {
      return ModelSpec.super.withExperts(e);
    }
    return new SmallCnn(type, e, dropout, temperature, dynamicHead, classes);
  }

  @Override
  public ModelSpec withNumClasses(int n) {
    return new SmallCnn(type, experts, dropout, temperature, dynamicHead, n);
  }

  @Override
  public String name() {
    return "small-cnn-" + type.id() + (dynamicHead ? "-dycls" : "");
  }

  @Override
  public int height() {
    return 28;
  }

  @Override
  public int width() {
    return 28;
  }

  @Override
  public int channels() {
    return 1;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public boolean annealsTemperature() {
    return type.annealsTemperature();
  }

  @Override
  public String inputNormalisation() {
    return NORM.describe() + " (Fashion-MNIST mean 0.2860 and std 0.3530 times 255)";
  }

  @Override
  public Model build(LayerScope buildRoot, BuildOptions options) {
    return LayerModel.build("SmallCnn", this, buildRoot, options, temperature, NORM, body());
  }

  /** The layers from normalised images to logits, as the table above lists them. */
  private Layer body() {
    BatchNormConfig bn = new BatchNormConfig(0.9, 1e-3);
    List<Layer> layers = new ArrayList<>();
    layers.add(BlockLayers.convBnAct("stem", ConvType.STATIC, ConvKind.REGULAR, 32,
        ConvGeometry.of(3), 1, bn, Activation.RELU, ConvBnAct.DcdRule.RESNET_BASIC));
    for (int b = 0; b < BLOCKS.length; b++) {
      layers.add(BlockLayers.convPair("blocks_" + (b + 1), type, BLOCKS[b][0], BLOCKS[b][1],
          experts, bn));
    }
    layers.add(Sequential.named("head", Layers.globalAvgPool(), Layers.dropout(dropout),
        dynamicHead
            ? Layers.dcdDense("dcd_dense", DcdDenseConfig.of(classes).withBatchNorm(bn))
            : Layers.dense("dense", DenseConfig.of(classes))));
    return Sequential.of(layers.toArray(Layer[]::new));
  }
}

package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dynconv.blocks.BlockLayers;
import org.dynconv.blocks.ConvBnAct;
import org.dynconv.blocks.ConvType;
import org.dynconv.blocks.InvertedResidual;
import org.dynconv.blocks.Scaling;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.DenseConfig;

/**
 * A MobileNetV2-style family for 28x28 grey images, at a width multiplier, with the block
 * convolutions of any dynamic family (see {@link InvertedResidual} for how each replaces them):
 *
 * <pre>
 * stem   conv 3x3 s1 -> c(32), BN, ReLU6 (static)           28x28
 * blocks t  c   n  s      (c(x) = x * width rounded to a multiple of 8, at least 8)
 *        1  16  1  1                                        28x28
 *        6  24  2  2                                        14x14
 *        6  32  3  2                                         7x7
 *        6  64  3  2                                         4x4
 *        6  96  2  1                                         4x4
 * head   conv 1x1 -> c(640), BN, ReLU6 (static), average pool, dropout, dense -> classes (10)
 * </pre>
 *
 * The stride plan keeps the first stage at full resolution (28x28 is 8 times smaller than 224 on
 * each side, so the 224 plan's five downsamplings would leave 1x1) and stops at 4x4; the deep
 * 160 and 320 stages and the 1280-wide head of the ImageNet model are dropped or scaled with the
 * width, so that the family stays small enough to be capacity-short on Fashion-MNIST and to train
 * a grid of it on two cores. BatchNorm: momentum 0.9, epsilon 1e-5 (PyTorch's defaults, as the
 * official DCD and ODConv models).
 *
 * @param widthMultiplier 0.1 to 2
 * @param type the block convolutions' family
 * @param experts E (CondConv), K (DynamicConv) or n (ODConv); ignored otherwise
 * @param dropout before the classifier
 * @param temperature default of the temperature input (the exported value)
 * @param classes classifier outputs (10 for Fashion-MNIST; another number is a new head)
 */
public record MobileNetV2(double widthMultiplier, ConvType type, int experts, double dropout,
    double temperature, int classes) implements ModelSpec {
  static final int[][] STAGES = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 3, 2},
      {6, 96, 2, 1}};
  static final InputNormalisation NORM = SmallCnn.NORM;

  public MobileNetV2 {
    if (!(widthMultiplier >= 0.1 && widthMultiplier <= 2)) {
      throw Check.invalid("MobileNetV2", "widthMultiplier", widthMultiplier,
          "0.1 <= widthMultiplier <= 2");
    }
    Check.notNull("MobileNetV2", "type", type);
    Check.positive("MobileNetV2", "experts", experts);
    Check.inHalfOpen("MobileNetV2", "dropout", dropout, 0, 1);
    Check.positiveFinite("MobileNetV2", "temperature", temperature);
    Check.inRange("MobileNetV2", "classes", classes, 1, 100_000);
  }

  /** The widths the zoo lists. */
  public static final double[] WIDTHS = {0.25, 0.5, 0.75, 1.0};

  /** Four experts or kernels (CondConv, DynamicConv), one ODConv kernel; dropout 0.2. */
  public static MobileNetV2 of(double width, ConvType type) {
    return new MobileNetV2(width, type, type == ConvType.ODCONV ? 1 : 4, 0.2, 1.0, 10);
  }

  /** "mobilenetv2-0.5-dcd". */
  public static String name(double width, ConvType type) {
    return String.format(Locale.ROOT, "mobilenetv2-%s-%s", widthLabel(width), type.id());
  }

  static String widthLabel(double width) {
    return width == Math.rint(width) ? String.format(Locale.ROOT, "%.1f", width)
        : String.valueOf(width);
  }

  @Override
  public String name() {
    return name(widthMultiplier, type);
  }

  private int filters(int c) {
    return Scaling.roundFilters(c, widthMultiplier, 8);
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
  public ModelSpec withExperts(int e) {
    if (!type.hasExperts()) {
      return ModelSpec.super.withExperts(e);
    }
    return new MobileNetV2(widthMultiplier, type, e, dropout, temperature, classes);
  }

  @Override
  public ModelSpec withNumClasses(int n) {
    return new MobileNetV2(widthMultiplier, type, experts, dropout, temperature, n);
  }

  @Override
  public ModelSpec withFinalTemperature(double t) {
    return new MobileNetV2(widthMultiplier, type, experts, dropout, t, classes);
  }

  @Override
  public Model build(LayerScope buildRoot, BuildOptions options) {
    return LayerModel.build("MobileNetV2", this, buildRoot, options, temperature, NORM, body());
  }

  /** stem, the inverted residual blocks of {@link #STAGES}, head: the table above. */
  private Layer body() {
    BatchNormConfig bn = new BatchNormConfig(0.9, 1e-5);
    List<Layer> layers = new ArrayList<>();
    layers.add(BlockLayers.convBnAct("stem", ConvType.STATIC, ConvKind.REGULAR, filters(32),
        ConvGeometry.of(3), 1, bn, Activation.RELU6, ConvBnAct.DcdRule.RESNET_BASIC));
    int index = 0;
    for (int[] stage : STAGES) {
      for (int i = 0; i < stage[2]; i++) {
        layers.add(BlockLayers.invertedResidual("blocks_" + index++, type, filters(stage[1]),
            i == 0 ? stage[3] : 1, stage[0], experts, bn));
      }
    }
    layers.add(BlockLayers.convBnAct("head", ConvType.STATIC, ConvKind.REGULAR, filters(640),
        ConvGeometry.of(1), 1, bn, Activation.RELU6, ConvBnAct.DcdRule.MOBILENET_V2));
    layers.add(Sequential.named("head", Layers.globalAvgPool(), Layers.dropout(dropout),
        Layers.dense("dense", DenseConfig.of(classes))));
    return Sequential.of(layers.toArray(Layer[]::new));
  }
}

package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dynconv.blocks.ConvBnAct;
import org.dynconv.blocks.ConvType;
import org.dynconv.blocks.Footprint;
import org.dynconv.blocks.InvertedResidual;
import org.dynconv.blocks.Scaling;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.Dropout;
import org.dynconv.nn.GlobalAvgPool;
import org.dynconv.routing.RoutingOutputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

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
    LayerScope root = options.scope(buildRoot);
    Mode mode = options.mode();
    boolean fold = options.foldBatchNorm();
    Operand<TFloat32> images = ModelInputs.images(root, this, options.batch());
    var stepSeed = ModelInputs.stepSeed(root, mode);
    Operand<TFloat32> temp = ModelInputs.temperature(root, this, (float) temperature);
    LayerScope model = root.child(name());
    BatchNormConfig bn = new BatchNormConfig(0.9, 1e-5);
    List<VariableRef> vars = new ArrayList<>();
    List<Op> updates = new ArrayList<>();
    List<BatchNormFold> folds = new ArrayList<>();
    RoutingOutputs routing = new RoutingOutputs();
    Footprint fp = new Footprint();

    int in = filters(32), size = 28;
    ConvBnAct stem = new ConvBnAct(model.child("stem"), ConvBnAct.Spec.regular(ConvType.STATIC, 1,
        in, ConvGeometry.of(3), 1, bn, Activation.RELU6, size, size, fold), null);
    Operand<TFloat32> x = collect(stem.apply(NORM.apply(model.ops(), images), null, mode, routing),
        updates);
    vars.addAll(stem.variables());
    folds.addAll(stem.folds());
    fp.add(stem.macs());
    int index = 0;
    for (int[] stage : STAGES) {
      int out = filters(stage[1]);
      for (int i = 0; i < stage[2]; i++) {
        InvertedResidual block = new InvertedResidual(model.child("blocks_" + index++), type, in,
            out, i == 0 ? stage[3] : 1, stage[0], experts, bn, size, fold, temp);
        x = collect(block.apply(x, mode, routing), updates);
        vars.addAll(block.variables());
        folds.addAll(block.folds());
        fp.add(block.macs());
        size = block.outSize();
        in = out;
      }
    }
    LayerScope head = model.child("head");
    int last = filters(640);
    ConvBnAct headConv = new ConvBnAct(head, new ConvBnAct.Spec(ConvType.STATIC, ConvKind.REGULAR,
        in, last, ConvGeometry.of(1), 1, bn, Activation.RELU6, size, size, fold,
        ConvBnAct.DcdRule.MOBILENET_V2), null);
    x = collect(headConv.apply(x, null, mode, routing), updates);
    vars.addAll(headConv.variables());
    folds.addAll(headConv.folds());
    fp.add(headConv.macs());
    Operand<TFloat32> pooled = Dropout.apply(head.ops(), GlobalAvgPool.apply(head.ops(), x), dropout,
        stepSeed, 1, mode, options.rows());
    Dense dense = Dense.create(head.child("dense"), DenseConfig.of(classes), last);
    Operand<TFloat32> logits = root.ops().withName("logits").identity(dense.apply(pooled));
    vars.addAll(dense.variables());
    fp.add((long) last * classes);
    Operand<TFloat32> probs = root.ops().withName("probabilities").nn.softmax(logits);
    return new Model(name(), images, logits, probs, vars, updates, routing.routing(),
        routing.attentions(), temp, stepSeed, fp.macs(), folds);
  }

  private static Operand<TFloat32> collect(Forward f, List<Op> updates) {
    updates.addAll(f.updates());
    return f.output();
  }
}

package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.blocks.BlockArgs;
import org.dynconv.blocks.BlockArgsParser;
import org.dynconv.blocks.BlockLayers;
import org.dynconv.blocks.Scaling;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.BuiltOnce;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.Norm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * EfficientNet and EfficientNet-CondConv as in Google's {@code efficientnet_model.py} and {@code
 * condconv/efficientnet_condconv_builder.py}: block strings plus global parameters (width, depth,
 * resolution, dropout, survival probability 0.8, BatchNorm momentum 0.99 and epsilon 1e-3, depth
 * divisor 8, swish, squeeze-and-excitation), with Google's variable scopes and names.
 *
 * <pre>
 * stem   conv 3x3 s2 -> round_filters(32), BN, swish   (stem/conv2d, stem/tpu_batch_normalization)
 * blocks MBConv per block string, repeats ceil(depth * r), scopes blocks_0, blocks_1, ...
 * head   conv 1x1 -> round_filters(1280), BN, swish, average pool, dropout, dense -> classes
 * </pre>
 *
 * @param name model name and root scope
 * @param blocks Google's block strings
 * @param widthCoefficient width coefficient
 * @param depthCoefficient depth coefficient
 * @param resolution input height and width
 * @param dropout dropout before the classifier
 * @param experts CondConv experts for {@code cc} blocks
 * @param numClasses classifier outputs (1000 for ImageNet)
 * @param normalisation in-graph input normalisation of pixels 0..255
 * @param survivalProb drop-connect's survival probability of the last block (Google's 0.8; block i
 *     of n keeps its residual branch with probability 1 - (1 - survivalProb) i / n); 1 = none
 */
public record EfficientNet(String name, List<String> blocks, double widthCoefficient,
    double depthCoefficient,
    int resolution, double dropout, int experts, int numClasses, InputNormalisation normalisation,
    double survivalProb)
    implements ModelSpec {
  static final double SURVIVAL_PROB = 0.8;
  static final int DEPTH_DIVISOR = 8;

  public EfficientNet {
    Check.notNull("EfficientNet", "name", name);
    blocks = List.copyOf(blocks);
    blocks.forEach(BlockArgsParser::parse);
    Check.positiveFinite("EfficientNet", "widthCoefficient", widthCoefficient);
    Check.positiveFinite("EfficientNet", "depthCoefficient", depthCoefficient);
    Check.inRange("EfficientNet", "resolution", resolution, 8, 4096);
    Check.inHalfOpen("EfficientNet", "dropout", dropout, 0, 1);
    Check.positive("EfficientNet", "experts", experts);
    Check.positive("EfficientNet", "numClasses", numClasses);
    if (!(survivalProb > 0 && survivalProb <= 1)) {
      throw Check.invalid("EfficientNet", "survivalProb", survivalProb, "a probability in (0, 1]");
    }
  }

  /** Google's global parameters: drop-connect survival probability 0.8. */
  public EfficientNet(String name, List<String> blocks, double widthCoefficient,
      double depthCoefficient, int resolution, double dropout, int experts, int numClasses,
      InputNormalisation normalisation) {
    this(name, blocks, widthCoefficient, depthCoefficient, resolution, dropout, experts, numClasses,
        normalisation, SURVIVAL_PROB);
  }

  static final List<String> B0_BLOCKS = List.of("r1_k3_s11_e1_i32_o16_se0.25",
      "r2_k3_s22_e6_i16_o24_se0.25", "r2_k5_s22_e6_i24_o40_se0.25", "r3_k3_s22_e6_i40_o80_se0.25",
      "r3_k5_s11_e6_i80_o112_se0.25", "r4_k5_s22_e6_i112_o192_se0.25",
      "r1_k3_s11_e6_i192_o320_se0.25");
  static final List<String> CONDCONV_BLOCKS = List.of("r1_k3_s11_e1_i32_o16_se0.25",
      "r2_k3_s22_e6_i16_o24_se0.25", "r2_k5_s22_e6_i24_o40_se0.25", "r3_k3_s22_e6_i40_o80_se0.25",
      "r3_k5_s11_e6_i80_o112_se0.25_cc", "r4_k5_s22_e6_i112_o192_se0.25_cc",
      "r1_k3_s11_e6_i192_o320_se0.25_cc");
  /** ImageNet mean and std times 255 (efficientnet_builder.py). */
  static final InputNormalisation IMAGENET = new InputNormalisation(
      new float[] {0.485f * 255, 0.456f * 255, 0.406f * 255},
      new float[] {0.229f * 255, 0.224f * 255, 0.225f * 255});
  /** (x - 127) / 128 (efficientnet_condconv_builder.py). */
  static final InputNormalisation CONDCONV = new InputNormalisation(
      new float[] {127, 127, 127}, new float[] {128, 128, 128});

  public static EfficientNet b0() {
    return new EfficientNet("efficientnet-b0", B0_BLOCKS, 1.0, 1.0, 224, 0.2, 1, 1000, IMAGENET);
  }

  /** efficientnet-condconv-b0-4e, -b0-8e ({@code depth 1.0}) or -b0-8e-depth ({@code 1.1}). */
  public static EfficientNet condconvB0(int experts, double depth) {
    String name = "efficientnet-condconv-b0-" + experts + "e" + (depth == 1.0 ? "" : "-depth");
    return new EfficientNet(name, CONDCONV_BLOCKS, 1.0, depth, 224, 0.25, experts, 1000, CONDCONV);
  }

  @Override
  public int height() {
    return resolution;
  }

  @Override
  public int width() {
    return resolution;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public boolean annealsTemperature() {
    return false;
  }

  @Override
  public String inputNormalisation() {
    return normalisation.describe();
  }

  @Override
  public ModelSpec withExperts(int e) {
    if (blocks.stream().noneMatch(b -> BlockArgsParser.parse(b).condconv())) {
      return ModelSpec.super.withExperts(e);
    }
    return new EfficientNet(name, blocks, widthCoefficient, depthCoefficient, resolution, dropout, e, numClasses,
        normalisation, survivalProb);
  }

  /** The same network at another input resolution (fine-tuning on small images). */
  public EfficientNet withResolution(int r) {
    return new EfficientNet(name, blocks, widthCoefficient, depthCoefficient, r, dropout, experts, numClasses,
        normalisation, survivalProb);
  }

  @Override
  public ModelSpec withNumClasses(int classes) {
    return new EfficientNet(name, blocks, widthCoefficient, depthCoefficient, resolution, dropout, experts, classes,
        normalisation, survivalProb);
  }

  /**
   * The same network with other regularisation rates, as timm's {@code drop_rate} and {@code
   * drop_path_rate} (= 1 - survivalProb): fine-tuning on little data often lowers both.
   */
  public EfficientNet withRegularisation(double dropout, double survivalProb) {
    return new EfficientNet(name, blocks, widthCoefficient, depthCoefficient, resolution, dropout,
        experts, numClasses, normalisation, survivalProb);
  }

  /** The blocks after depth scaling and filter rounding, one entry per block. */
  public List<BlockArgs> expandedBlocks() {
    List<BlockArgs> out = new ArrayList<>();
    for (String s : blocks) {
      BlockArgs a = BlockArgsParser.parse(s);
      a = a.withFilters(filters(a.inputFilters()), filters(a.outputFilters()))
          .withRepeats(Scaling.roundRepeats(a.numRepeat(), depthCoefficient));
      out.add(a);
      for (int i = 1; i < a.numRepeat(); i++) {
        out.add(a.repeated());
      }
    }
    return out;
  }

  private int filters(int f) {
    return Scaling.roundFilters(f, widthCoefficient, DEPTH_DIVISOR);
  }

  @Override
  public Model build(LayerScope buildRoot, BuildOptions options) {
    // No DynamicConv or ODConv layer: the model has no temperature input (the value is unused).
    return LayerModel.build("EfficientNet", this, buildRoot, options, 1.0, normalisation, body());
  }

  /** stem, the MBConv blocks of {@link #expandedBlocks}, head: the table above. */
  private Layer body() {
    BatchNormConfig bn = BatchNormConfig.google();
    List<Layer> layers = new ArrayList<>();
    layers.add(convBnSwish("stem", filters(32), ConvGeometry.of(3).withStride(2), bn));
    List<BlockArgs> all = expandedBlocks();
    int condconvIndex = 0;
    for (int i = 0; i < all.size(); i++) {
      BlockArgs a = all.get(i);
      double survival = 1.0 - (1.0 - survivalProb) * i / all.size();
      layers.add(BlockLayers.mbConv(i, a, bn, experts, condconvIndex, survival));
      if (a.condconv()) {
        condconvIndex++;
      }
    }
    layers.add(convBnSwish("head", filters(1280), ConvGeometry.of(1), bn));
    layers.add(Sequential.named("head", Layers.globalAvgPool(), Layers.dropout(dropout),
        Layers.dense("dense", new DenseConfig(numClasses, true, Activation.NONE,
            DenseConfig.KernelInit.GOOGLE_DENSE))));
    return Sequential.of(layers.toArray(Layer[]::new));
  }

  /** A convolution and its BatchNorm, named as Google's stem and head. */
  private record ConvBn(LayerScope scope, Conv2d conv, Norm bn) {}

  /**
   * Google's stem or head: {@code <name>/conv2d} (no bias), {@code
   * <name>/tpu_batch_normalization} (folded into the kernel in folded exports), swish.
   */
  private static Layer convBnSwish(String name, int filters, ConvGeometry geometry,
      BatchNormConfig bn) {
    return new BuiltOnce<ConvBn>("EfficientNet", name, null) {
      @Override
      protected ConvBn build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x) {
        Conv2d conv = Conv2d.create(scope.child("conv2d"),
            Conv2dConfig.of(filters, geometry).withBias(false), channels(scope, x));
        LayerScope bnScope = scope.child("tpu_batch_normalization");
        Norm norm = Norm.create(bnScope, bn, filters, ctx.foldBatchNorm());
        ctx.trackFolds(List.of(new BatchNormFold(conv.kernel().name(), filters, bnScope.path(),
            bn.epsilon())));
        ctx.track(conv.variables());
        ctx.track(norm.variables());
        return new ConvBn(scope, conv, norm);
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, ConvBn c, Operand<TFloat32> x) {
        ctx.macs(c.conv().macs((int) x.shape().size(1), (int) x.shape().size(2)));
        Operand<TFloat32> y = ctx.forward(c.bn().apply(c.conv().apply(x), ctx.mode()));
        return Activations.apply(c.scope().ops(), y, Activation.SWISH);
      }
    };
  }
}

package org.dynconv.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.blocks.BlockArgs;
import org.dynconv.blocks.BlockArgsParser;
import org.dynconv.blocks.Footprint;
import org.dynconv.blocks.MbConvBlock;
import org.dynconv.blocks.Scaling;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Norm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.Dropout;
import org.dynconv.nn.GlobalAvgPool;
import org.dynconv.routing.RoutingOutputs;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
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
    LayerScope root = options.scope(buildRoot);
    Mode mode = options.mode();
    boolean fold = options.foldBatchNorm();
    var images = ModelInputs.images(root, this, options.batch());
    var stepSeed = ModelInputs.stepSeed(root, mode);
    LayerScope model = root.child(name);
    Ops tf = model.ops();
    BatchNormConfig bn = BatchNormConfig.google();
    List<VariableRef> vars = new ArrayList<>();
    List<Op> updates = new ArrayList<>();
    RoutingOutputs routing = new RoutingOutputs();
    Footprint fp = new Footprint();
    List<BatchNormFold> folds = new ArrayList<>();

    LayerScope stem = model.child("stem");
    int stemFilters = filters(32);
    Conv2d stemConv = Conv2d.create(stem.child("conv2d"),
        Conv2dConfig.of(stemFilters, ConvGeometry.of(3).withStride(2)).withBias(false), 3);
    Norm stemBn = Norm.create(stem.child("tpu_batch_normalization"), bn, stemFilters, fold);
    folds.add(new BatchNormFold(stemConv.kernel().name(), stemFilters,
        stem.child("tpu_batch_normalization").path(), bn.epsilon()));
    Operand<TFloat32> x = stemConv.apply(normalisation.apply(tf, images));
    x = swish(stem.ops(), collect(stemBn.apply(x, mode), updates));
    vars.addAll(stemConv.variables());
    vars.addAll(stemBn.variables());
    int size = (resolution + 1) / 2;
    fp.add((long) size * size * 9 * 3 * stemFilters);

    List<BlockArgs> all = expandedBlocks();
    int condconvIndex = 0;
    for (int i = 0; i < all.size(); i++) {
      BlockArgs a = all.get(i);
      MbConvBlock block = new MbConvBlock(model, i, a, bn, experts, condconvIndex, size, size, fold);
      folds.addAll(block.folds());
      if (a.condconv()) {
        condconvIndex++;
      }
      double survival = 1.0 - (1.0 - survivalProb) * i / all.size();
      x = collect(block.apply(x, mode, survival, stepSeed, 100 + i, options.rows(), routing),
          updates);
      vars.addAll(block.variables());
      fp.add(block.macs());
      size = block.outSize(size);
    }

    LayerScope head = model.child("head");
    int in = all.get(all.size() - 1).outputFilters(), headFilters = filters(1280);
    Conv2d headConv = Conv2d.create(head.child("conv2d"),
        Conv2dConfig.of(headFilters, ConvGeometry.of(1)).withBias(false), in);
    Norm headBn = Norm.create(head.child("tpu_batch_normalization"), bn, headFilters, fold);
    folds.add(new BatchNormFold(headConv.kernel().name(), headFilters,
        head.child("tpu_batch_normalization").path(), bn.epsilon()));
    x = swish(head.ops(), collect(headBn.apply(headConv.apply(x), mode), updates));
    Operand<TFloat32> pooled = Dropout.apply(head.ops(), GlobalAvgPool.apply(head.ops(), x), dropout,
        stepSeed, 1, mode, options.rows());
    Dense dense = Dense.create(head.child("dense"), new DenseConfig(numClasses, true,
        Activation.NONE, DenseConfig.KernelInit.GOOGLE_DENSE), headFilters);
    Operand<TFloat32> logits = root.ops().withName("logits").identity(dense.apply(pooled));
    vars.addAll(headConv.variables());
    vars.addAll(headBn.variables());
    vars.addAll(dense.variables());
    fp.add((long) size * size * in * headFilters + (long) headFilters * numClasses);
    Operand<TFloat32> probs = root.ops().withName("probabilities").nn.softmax(logits);
    return new Model(name, images, logits, probs, vars, updates, routing.routing(),
        routing.attentions(), null, stepSeed, fp.macs(),
        folds);
  }

  private static Operand<TFloat32> swish(Ops tf, Operand<TFloat32> x) {
    return Activations.apply(tf, x, Activation.SWISH);
  }

  private static Operand<TFloat32> collect(Forward f, List<Op> updates) {
    updates.addAll(f.updates());
    return f.output();
  }
}

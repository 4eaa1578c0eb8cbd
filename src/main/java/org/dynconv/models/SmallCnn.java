package org.dynconv.models;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.blocks.ConvBnAct;
import org.dynconv.blocks.ConvType;
import org.dynconv.blocks.Footprint;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.DcdDense;
import org.dynconv.layers.DcdDenseConfig;
import org.dynconv.layers.DcdOutput;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.Dropout;
import org.dynconv.nn.GlobalAvgPool;
import org.dynconv.routing.RoutingOutputs;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

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
    LayerScope root = options.scope(buildRoot);
    Mode mode = options.mode();
    boolean fold = options.foldBatchNorm();
    Operand<TFloat32> images = ModelInputs.images(root, this, options.batch());
    var stepSeed = ModelInputs.stepSeed(root, mode);
    Operand<TFloat32> temp = ModelInputs.temperature(root, this, (float) temperature);
    LayerScope model = root.child(name());
    Ops tf = model.ops();
    BatchNormConfig bn = new BatchNormConfig(0.9, 1e-3);
    List<VariableRef> vars = new ArrayList<>();
    List<Op> updates = new ArrayList<>();
    RoutingOutputs routing = new RoutingOutputs();
    Footprint fp = new Footprint();

    Operand<TFloat32> x = NORM.apply(tf, images);
    List<BatchNormFold> folds = new ArrayList<>();
    ConvBnAct stem = new ConvBnAct(model.child("stem"), ConvBnAct.Spec.regular(ConvType.STATIC, 1,
        32, ConvGeometry.of(3), 1, bn, Activation.RELU, 28, 28, fold), null);
    folds.addAll(stem.folds());
    x = collect(stem.apply(x, null, mode, routing), updates);
    vars.addAll(stem.variables());
    fp.add(stem.macs());

    int in = 32, size = 28;
    for (int b = 0; b < BLOCKS.length; b++) {
      LayerScope block = model.child("blocks_" + (b + 1));
      int filters = BLOCKS[b][0], stride = BLOCKS[b][1];
      Operand<TFloat32> r = null;
      if (type == ConvType.CONDCONV) {
        SigmoidRouting sr = SigmoidRouting.create(block.child("dense"), experts, in);
        r = sr.route(x);
        vars.addAll(sr.variables());
        fp.add(sr.macs(size, size));
      }
      ConvBnAct first = new ConvBnAct(block, ConvBnAct.Spec.regular(type, in, filters,
          ConvGeometry.of(3).withStride(stride), experts, bn, Activation.RELU, size, size, fold),
          temp);
      x = collect(first.apply(x, r, mode, routing), updates);
      size = (size + stride - 1) / stride;
      ConvBnAct second = new ConvBnAct(block, ConvBnAct.Spec.regular(type, filters, filters,
          ConvGeometry.of(3), experts, bn, Activation.RELU, size, size, fold), temp);
      x = collect(second.apply(x, r, mode, routing), updates);
      vars.addAll(first.variables());
      vars.addAll(second.variables());
      folds.addAll(first.folds());
      folds.addAll(second.folds());
      fp.add(first.macs() + second.macs());
      in = filters;
    }

    LayerScope head = model.child("head");
    Operand<TFloat32> pooled = GlobalAvgPool.apply(head.ops(), x);
    pooled = Dropout.apply(head.ops(), pooled, dropout, stepSeed, 1, mode, options.rows());
    Operand<TFloat32> out;
    if (dynamicHead) {
      DcdDense dense = DcdDense.create(head.child("dcd_dense"),
          DcdDenseConfig.of(classes).withBatchNorm(bn), in);
      DcdOutput o = dense.apply(pooled, mode);
      updates.addAll(o.forward().updates());
      routing.dcd(dense.scope().path(), o.attention());
      out = o.output();
      vars.addAll(dense.variables());
      fp.add(dense.macs());
    } else {
      Dense dense = Dense.create(head.child("dense"), DenseConfig.of(classes), in);
      out = dense.apply(pooled);
      vars.addAll(dense.variables());
      fp.add((long) in * classes);
    }
    Operand<TFloat32> logits = root.ops().withName("logits").identity(out);
    Operand<TFloat32> probs = root.ops().withName("probabilities").nn.softmax(logits);
    return new Model(name(), images, logits, probs, vars, updates, routing.routing(),
        routing.attentions(), temp, stepSeed, fp.macs(), folds);
  }

  private static Operand<TFloat32> collect(Forward f, List<Op> updates) {
    updates.addAll(f.updates());
    return f.output();
  }
}

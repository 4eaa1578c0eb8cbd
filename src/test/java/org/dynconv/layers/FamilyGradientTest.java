package org.dynconv.layers;

import java.util.List;
import java.util.Map;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.reference.RefDcd;
import org.dynconv.reference.RefNn;
import org.dynconv.reference.RefOdConv;
import org.dynconv.routing.OdAttentionConfig;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * DCD and ODConv gradients (training mode, BatchNorms on batch statistics) with respect to the
 * input and every trainable variable, against central finite differences of the float64
 * references ({@link FamilyGradientCheck}).
 */
class FamilyGradientTest {
  static final int B = 3, H = 6, W = 5, CIN = 3, COUT = 4;
  static final BatchNormConfig BN = new BatchNormConfig(0.9, 1e-3);
  static final OdAttentionConfig ATT = new OdAttentionConfig(0.5, 3);

  static List<Arguments> dcdCases() {
    return List.of(Arguments.of(ConvGeometry.square(3, 1, 1, Padding.SAME), 2),
        Arguments.of(ConvGeometry.square(1, 2, 1, Padding.SAME), 1),
        Arguments.of(ConvGeometry.square(3, 2, 1, Padding.VALID), 2),
        Arguments.of(ConvGeometry.square(3, 2, 1, Padding.SAME), 1));
  }

  @ParameterizedTest(name = "DCD {0} pool={1}")
  @MethodSource("dcdCases")
  void dcd(ConvGeometry g, int pool) {
    dcd(g, pool, false);
  }

  /** Also run by {@link OneDnnOffChild}. */
  static void dcd(ConvGeometry g, int pool, boolean dynamicBatch) {
    int l = 3, s = 4;
    try (TfRun run = new TfRun(5)) {
      Operand<TFloat32> x = run.placeholder("x", Shape.of(dynamicBatch ? -1 : B, H, W, CIN));
      DcdConv2d layer = DcdConv2d.create(run.root.child("dcd"),
          new DcdConv2dConfig(COUT, g, l, s, pool, BN), CIN);
      Operand<TFloat32> y = layer.apply(x, Mode.TRAIN).output();
      RefDcd.Spec spec = new RefDcd.Spec(B, H, W, CIN, COUT, g.kernelH(), g.strideH(),
          g.dilationH(), g.padding() == Padding.SAME, l, s, pool);
      FamilyGradientCheck.check(run, "dcd", layer.variables(), x, Shape.of(B, H, W, CIN), y,
          p -> RefDcd.forward(spec, p.get("x"), dcdWeights(p), true), "DCD " + g);
    }
  }

  static RefDcd.Weights dcdWeights(Map<String, double[]> p) {
    return new RefDcd.Weights(p.get("kernel"), p.get("q/kernel"), p.get("p/kernel"),
        p.get("fc/kernel"), p.get("se/kernel"), p.get("fc_scale/kernel"), p.get("fc_phi/kernel"),
        bn(p, "q_batch_normalization", BN.epsilon()), bn(p, "phi_batch_normalization", BN.epsilon()));
  }

  static RefNn.Bn bn(Map<String, double[]> p, String scope, double eps) {
    return new RefNn.Bn(p.get(scope + "/gamma"), p.get(scope + "/beta"),
        p.get(scope + "/moving_mean"), p.get(scope + "/moving_variance"), eps);
  }

  static List<Arguments> odCases() {
    ConvGeometry k3 = ConvGeometry.square(3, 1, 1, Padding.SAME);
    ConvGeometry k3s2 = ConvGeometry.square(3, 2, 1, Padding.VALID);
    ConvGeometry k1 = ConvGeometry.square(1, 2, 1, Padding.SAME);
    return List.of(Arguments.of(false, k3, 1, Strategy.TAPS), Arguments.of(false, k3s2, 1, Strategy.TAPS),
        Arguments.of(false, k3, 1, Strategy.LOOP), Arguments.of(false, k1, 1, Strategy.AUTO),
        Arguments.of(false, k3, 4, Strategy.AUTO), Arguments.of(false, k1, 4, Strategy.AUTO),
        Arguments.of(false, k3s2, 4, Strategy.GROUPED), Arguments.of(true, k3, 1, Strategy.TAPS),
        Arguments.of(true, k3, 1, Strategy.AUTO), Arguments.of(true, k3s2, 4, Strategy.AUTO),
        Arguments.of(true, k1, 1, Strategy.AUTO));
  }

  @ParameterizedTest(name = "ODConv depthwise={0} {1} n={2} {3}")
  @MethodSource("odCases")
  void odconv(boolean dw, ConvGeometry g, int n, Strategy st) {
    if (st == Strategy.GROUPED) {
      Assumptions.assumeTrue(RuntimeSupport.groupedConvGradients(),
          "grouped-conv gradients unavailable on this runtime");
    }
    odconv(dw, g, n, st, false);
  }

  /** Also run by {@link OneDnnOffChild}. */
  static void odconv(boolean dw, ConvGeometry g, int n, Strategy st, boolean dynamicBatch) {
    int m = 2;
    float t = 2f;
    try (TfRun run = new TfRun(6)) {
      Operand<TFloat32> x = run.placeholder("x", Shape.of(dynamicBatch ? -1 : B, H, W, CIN));
      Operand<TFloat32> temperature = run.tf.constant(t);
      Operand<TFloat32> y;
      List<org.dynconv.graph.VariableRef> vars;
      if (dw) {
        OdConv2d layer = OdConv2d.create(run.root.child("od"),
            OdConv2dConfig.depthwise(g, n).withMultiplier(m).withAttention(ATT).withStrategy(st),
            CIN, temperature);
        y = layer.apply(x, Mode.TRAIN).output();
        vars = layer.variables();
      } else {
        OdConv2d layer = OdConv2d.create(run.root.child("od"),
            OdConv2dConfig.of(COUT, g, n).withAttention(ATT).withStrategy(st), CIN, temperature);
        y = layer.apply(x, Mode.TRAIN).output();
        vars = layer.variables();
      }
      RefOdConv.Spec spec = new RefOdConv.Spec(dw, B, H, W, CIN, dw ? m : COUT, g.kernelH(),
          g.strideH(), g.dilationH(), g.padding() == Padding.SAME, n, ATT.width(CIN));
      String kernel = dw ? "depthwise_odconv_kernel" : "odconv_kernel";
      FamilyGradientCheck.check(run, "od", vars, x, Shape.of(B, H, W, CIN), y,
          p -> RefOdConv.forward(spec, p.get("x"), odWeights(p, kernel), t, true),
          "ODConv " + (dw ? "depthwise " : "") + g + " n=" + n + " " + st);
    }
  }

  static RefOdConv.Weights odWeights(Map<String, double[]> p, String kernel) {
    return new RefOdConv.Weights(p.get(kernel), p.get("attention/fc/kernel"),
        bn(p, "attention/batch_normalization", 1e-5), p.get("attention/channel_fc/kernel"),
        p.get("attention/channel_fc/bias"), p.get("attention/filter_fc/kernel"),
        p.get("attention/filter_fc/bias"), p.get("attention/spatial_fc/kernel"),
        p.get("attention/spatial_fc/bias"), p.get("attention/kernel_fc/kernel"),
        p.get("attention/kernel_fc/bias"));
  }
}

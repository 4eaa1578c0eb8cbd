package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.Mode;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.reference.RefDcd;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.RandomWeights;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * DcdConv2d against the float64 reference ({@link RefDcd}) over kernel 1/3/5, stride 1/2,
 * SAME/VALID, global and 2x2 pooling, batch 1/3/8, in training (batch statistics) and inference
 * (moving statistics, with BN2 and the identity folded into Phi) mode, with random weights and
 * BatchNorm statistics. Input 11x10 (odd, non-square: the 2x2 pool bins overlap).
 */
class DcdConv2dTest {
  static final int H = 11, W = 10, CIN = 3, COUT = 5, L = 3, S = 4;
  static final double RTOL = 1e-4;
  static final BatchNormConfig BN = new BatchNormConfig(0.9, 1e-3);

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (int k : new int[] {1, 3, 5}) {
      for (int s : new int[] {1, 2}) {
        for (Padding pad : Padding.values()) {
          for (int pool : new int[] {1, 2}) {
            for (int b : new int[] {1, 3, 8}) {
              out.add(Arguments.of(k, s, pad, pool, b));
            }
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "k={0} s={1} {2} pool={3} B={4}")
  @MethodSource("grid")
  void matchesReference(int k, int s, Padding pad, int pool, int b) {
    check(ConvGeometry.square(k, s, 1, pad), pool, b, false);
  }

  @Test
  void dilatedKernelMatchesReference() {
    check(ConvGeometry.square(3, 1, 2, Padding.SAME), 2, 3, false);
    check(ConvGeometry.square(3, 2, 2, Padding.VALID), 1, 3, false);
  }

  @Test
  void unknownBatchMatchesReference() {
    check(ConvGeometry.square(3, 2, 1, Padding.SAME), 2, 3, true);
  }

  /**
   * With BN1 folded (folded exports), {@code q_batch_normalization/bias} replaces BN1 and Q
   * carries its scale; batch 1 (the fused kernel) and batch 3 against the reference with BN1 = x +
   * bias.
   */
  @Test
  void foldedLatentBatchNormMatchesReference() {
    for (int b : new int[] {1, 3}) {
      ConvGeometry g = ConvGeometry.square(3, 2, 1, Padding.SAME);
      RefDcd.Spec spec = new RefDcd.Spec(b, H, W, CIN, COUT, 3, 2, 1, true, L, S, 2);
      float[] x = Rand.normal(77 + b, b * H * W * CIN);
      try (TfRun run = new TfRun(3)) {
        Operand<TFloat32> xIn = run.placeholder("x", Shape.of(b, H, W, CIN));
        DcdConv2d layer = DcdConv2d.create(run.root.child("dcd"),
            new DcdConv2dConfig(COUT, g, L, S, 2, BN), CIN, true);
        Operand<TFloat32> y = layer.apply(xIn, Mode.INFER).output();
        RandomWeights wt = RandomWeights.assign(run, "dcd", layer.variables(), 6, 0.5);
        float[] got = run.run(y, new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x));
        double[] ones = new double[L];
        java.util.Arrays.fill(ones, 1);
        double[] unitVariance = new double[L];
        java.util.Arrays.fill(unitVariance, 1 - BN.epsilon());
        RefDcd.Weights full = weights(wt, new org.dynconv.reference.RefNn.Bn(ones,
            wt.get("q_batch_normalization/bias"), new double[L], unitVariance, BN.epsilon()));
        AllClose.assertRelClose(RefDcd.forward(spec, AllClose.toDouble(x), full, false), got,
            RTOL, "folded BN1, B=" + b);
      }
    }
  }

  static void check(ConvGeometry g, int pool, int b, boolean dynamicBatch) {
    int k = g.kernelH();
    RefDcd.Spec spec = new RefDcd.Spec(b, H, W, CIN, COUT, k, g.strideH(), g.dilationH(),
        g.padding() == Padding.SAME, L, S, pool);
    float[] x = Rand.normal(100 + 7 * k + 3 * g.strideH() + pool + b, b * H * W * CIN);
    try (TfRun run = new TfRun(3)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(dynamicBatch ? -1 : b, H, W, CIN));
      var scope = run.root.child("dcd");
      DcdConv2d layer = DcdConv2d.create(scope,
          new DcdConv2dConfig(COUT, g, L, S, pool, BN), CIN);
      Operand<TFloat32> train = layer.apply(xIn, Mode.TRAIN).output();
      Operand<TFloat32> infer = layer.apply(xIn, Mode.INFER).output();
      RandomWeights wt = RandomWeights.assign(run, "dcd", layer.variables(), 5, 0.5);
      List<float[]> got = run.run(List.of(train, infer),
          new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x));
      RefDcd.Weights ref = weights(wt);
      String what = g + " pool=" + pool + " B=" + b;
      AllClose.assertRelClose(RefDcd.forward(spec, AllClose.toDouble(x), ref, true), got.get(0),
          RTOL, "TRAIN " + what);
      AllClose.assertRelClose(RefDcd.forward(spec, AllClose.toDouble(x), ref, false), got.get(1),
          RTOL, "INFER " + what);
    }
  }

  /** The reference's weights from the layer's variables (HWIO and [in, out] layouts agree). */
  static RefDcd.Weights weights(RandomWeights wt) {
    return weights(wt, wt.bn("q_batch_normalization", BN.epsilon()));
  }

  static RefDcd.Weights weights(RandomWeights wt, org.dynconv.reference.RefNn.Bn bn1) {
    return new RefDcd.Weights(wt.get("kernel"), wt.get("q/kernel"), wt.get("p/kernel"),
        wt.get("fc/kernel"), wt.get("se/kernel"), wt.get("fc_scale/kernel"),
        wt.get("fc_phi/kernel"), bn1, wt.bn("phi_batch_normalization", BN.epsilon()));
  }
}

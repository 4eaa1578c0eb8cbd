package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.reference.RefOdConv;
import org.dynconv.routing.OdAttentionConfig;
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
 * OdConv2d and OdConv2d against the float64 reference ({@link RefOdConv}) over kernel
 * 1/3/5, stride 1/2, SAME/VALID, regular and depthwise, n 1/4, batch 1/3/8, for every strategy
 * that applies (TAPS for n = 1 with a k x k kernel, the per-example strategies otherwise), in
 * training and inference mode, at temperature 2, with random weights and BatchNorm statistics.
 */
class OdConv2dTest {
  static final int H = 11, W = 10, CIN = 4, COUT = 5, MULT = 2;
  static final double RTOL = 1e-4;
  static final float T = 2f;
  /** A small trunk (reduction 1/2, at least 3 channels) keeps the test fast. */
  static final OdAttentionConfig ATT = new OdAttentionConfig(0.5, 3);

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (boolean dw : new boolean[] {false, true}) {
      for (int k : new int[] {1, 3, 5}) {
        for (int s : new int[] {1, 2}) {
          for (Padding pad : Padding.values()) {
            for (int n : new int[] {1, 4}) {
              for (int b : new int[] {1, 3, 8}) {
                out.add(Arguments.of(dw, k, s, pad, n, b));
              }
            }
          }
        }
      }
    }
    return out.stream();
  }

  /**
   * AUTO always; TAPS where it applies; every other per-example strategy at batch 3 and FUSED at
   * batch 1 (the strategies themselves are checked on CondConv's full grid; here they run on
   * ODConv's kernel source).
   */
  static List<Strategy> strategies(int k, int n, int b) {
    List<Strategy> out = new ArrayList<>(List.of(Strategy.AUTO));
    if (n == 1 && k == 1) {
      return out;
    }
    if (n == 1) {
      out.add(Strategy.TAPS);
    }
    if (b == 3) {
      out.addAll(List.of(Strategy.GROUPED, Strategy.DEPTHWISE_FOLD, Strategy.LOOP));
      if (k == 1) {
        out.add(Strategy.BATCHED_MATMUL);
      }
    }
    if (b == 1) {
      out.add(Strategy.FUSED);
    }
    return out;
  }

  @ParameterizedTest(name = "dw={0} k={1} s={2} {3} n={4} B={5}")
  @MethodSource("grid")
  void everyPathMatchesReference(boolean dw, int k, int s, Padding pad, int n, int b) {
    check(dw, ConvGeometry.square(k, s, 1, pad), n, b, strategies(k, n, b), false);
  }

  @Test
  void dilatedKernelsMatchReference() {
    for (boolean dw : new boolean[] {false, true}) {
      for (int n : new int[] {1, 4}) {
        check(dw, ConvGeometry.square(3, 1, 2, Padding.SAME), n, 3, strategies(3, n, 3), false);
        check(dw, ConvGeometry.square(3, 2, 2, Padding.VALID), n, 1, strategies(3, n, 1), false);
      }
    }
  }

  @Test
  void unknownBatchMatchesReference() {
    for (boolean dw : new boolean[] {false, true}) {
      for (int n : new int[] {1, 4}) {
        check(dw, ConvGeometry.square(3, 2, 1, Padding.SAME), n, 3, List.of(Strategy.AUTO), true);
        check(dw, ConvGeometry.of(1), n, 3, List.of(Strategy.AUTO), true);
      }
    }
  }

  /** One layer per strategy, each with its own random weights, against the reference. */
  static void check(boolean dw, ConvGeometry g, int n, int b, List<Strategy> strategies,
      boolean dynamicBatch) {
    int k = g.kernelH();
    float[] x = Rand.normal(200 + 7 * k + 3 * g.strideH() + n + b, b * H * W * CIN);
    try (TfRun run = new TfRun(4)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(dynamicBatch ? -1 : b, H, W, CIN));
      Operand<TFloat32> temperature = run.tf.constant(T);
      List<Operand<TFloat32>> outs = new ArrayList<>();
      List<Layer> layers = new ArrayList<>();
      for (Strategy st : strategies) {
        LayerScope scope = run.root.child(st.name().toLowerCase());
        Layer layer = Layer.create(scope, dw, g, n, st, temperature);
        outs.add(layer.apply(xIn, Mode.TRAIN));
        outs.add(layer.apply(xIn, Mode.INFER));
        layers.add(layer);
      }
      List<RandomWeights> weights = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        weights.add(RandomWeights.assign(run, layers.get(i).scope.path(), layers.get(i).variables(),
            11 + i, 0.5));
      }
      List<float[]> got = run.run(outs, new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x));
      RefOdConv.Spec spec = spec(dw, g, n, b);
      for (int i = 0; i < layers.size(); i++) {
        RefOdConv.Weights ref = weights(weights.get(i), dw ? "depthwise_odconv_kernel"
            : "odconv_kernel");
        String what = (dw ? "depthwise " : "") + g + " n=" + n + " B=" + b + " "
            + strategies.get(i);
        AllClose.assertRelClose(RefOdConv.forward(spec, AllClose.toDouble(x), ref, T, true),
            got.get(2 * i), RTOL, "TRAIN " + what);
        AllClose.assertRelClose(RefOdConv.forward(spec, AllClose.toDouble(x), ref, T, false),
            got.get(2 * i + 1), RTOL, "INFER " + what);
      }
    }
  }

  static RefOdConv.Spec spec(boolean dw, ConvGeometry g, int n, int b) {
    return new RefOdConv.Spec(dw, b, H, W, CIN, dw ? MULT : COUT, g.kernelH(), g.strideH(),
        g.dilationH(), g.padding() == Padding.SAME, n, ATT.width(CIN));
  }

  static RefOdConv.Weights weights(RandomWeights w, String kernel) {
    return new RefOdConv.Weights(w.get(kernel), w.get("attention/fc/kernel"),
        w.bn("attention/batch_normalization", 1e-5), w.get("attention/channel_fc/kernel"),
        w.get("attention/channel_fc/bias"), w.get("attention/filter_fc/kernel"),
        w.get("attention/filter_fc/bias"), w.get("attention/spatial_fc/kernel"),
        w.get("attention/spatial_fc/bias"), w.get("attention/kernel_fc/kernel"),
        w.get("attention/kernel_fc/bias"));
  }

  /** A regular or depthwise ODConv layer behind one interface for the tests. */
  record Layer(LayerScope scope, OdConv2d regular, OdConv2d depthwise) {
    static Layer create(LayerScope scope, boolean dw, ConvGeometry g, int n, Strategy st,
        Operand<TFloat32> temperature) {
      if (dw) {
        return new Layer(scope, null, OdConv2d.create(scope,
            OdConv2dConfig.depthwise(g, n).withMultiplier(MULT).withAttention(ATT)
                .withStrategy(st), CIN, temperature));
      }
      return new Layer(scope, OdConv2d.create(scope, OdConv2dConfig.of(COUT, g, n)
          .withAttention(ATT).withStrategy(st), CIN, temperature), null);
    }

    Operand<TFloat32> apply(Operand<TFloat32> x, Mode mode) {
      return regular != null ? regular.apply(x, mode).output() : depthwise.apply(x, mode).output();
    }

    List<VariableRef> variables() {
      return regular != null ? regular.variables() : depthwise.variables();
    }
  }
}

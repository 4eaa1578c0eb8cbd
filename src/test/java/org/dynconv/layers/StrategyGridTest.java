package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.reference.RefCondConv;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Every per-example strategy (KERNEL where the kernel library is built) against the float64
 * reference over the full grid: kernel 1/3/5,
 * stride 1/2, SAME/VALID, dilation 1/2, E 1/4/8, B 1/3/8, regular and depthwise, with distinct
 * random experts and biases. Input 11x10 (odd, non-square), Cin 3, Cout 4 or multiplier 2.
 */
class StrategyGridTest {
  static final int H = 11, W = 10, CIN = 3, COUT = 4, MULT = 2;
  static final double RTOL = 1e-4;

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (boolean depthwise : new boolean[] {false, true}) {
      for (int k : new int[] {1, 3, 5}) {
        for (int s : new int[] {1, 2}) {
          for (Padding pad : Padding.values()) {
            for (int d : new int[] {1, 2}) {
              for (int e : new int[] {1, 4, 8}) {
                for (int b : new int[] {1, 3, 8}) {
                  out.add(Arguments.of(depthwise, k, s, pad, d, e, b));
                }
              }
            }
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "dw={0} k={1} s={2} {3} d={4} E={5} B={6}")
  @MethodSource("grid")
  void everyStrategyMatchesReference(
      boolean depthwise, int k, int s, Padding pad, int d, int e, int b) {
    List<Strategy> strategies = new ArrayList<>(
        List.of(Strategy.AUTO, Strategy.GROUPED, Strategy.DEPTHWISE_FOLD, Strategy.LOOP));
    if (k == 1) {
      strategies.add(Strategy.BATCHED_MATMUL);
    }
    if (b == 1) {
      strategies.add(Strategy.FUSED);
    }
    if (org.dynconv.conv.kernels.KernelLibrary.available()) {
      strategies.add(Strategy.KERNEL); // dynconv's own kernel, where the build compiled it
    }
    check(depthwise, k, s, pad, d, e, b, strategies);
  }

  /**
   * Builds the layer once per strategy in one graph and checks each output against the float64
   * reference; also run by {@link OneDnnOffChild}, with oneDNN off.
   */
  static void check(boolean depthwise, int k, int s, Padding pad, int d, int e, int b,
      List<Strategy> strategies) {
    ConvGeometry g = ConvGeometry.square(k, s, d, pad);
    RefCondConv.Spec spec = new RefCondConv.Spec(
        depthwise, b, H, W, CIN, depthwise ? MULT : COUT, k, s, d, pad == Padding.SAME, e);
    float[] x = Rand.normal(11 * k + 7 * s + d, b * H * W * CIN);
    float[] r = Rand.uniform(5 * e + b, b * e, 0.05, 1.0);
    // Training graphs. KERNEL builds DynconvMixedConv2D for a regular layer (its kernels mixed
    // inside the library's loops) and DynconvPerExampleConv2D for a depthwise one.
    try (TfRun run = new TfRun(42)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(b, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(b, e));
      List<Operand<TFloat32>> outs = new ArrayList<>();
      List<ExpertBank> banks = new ArrayList<>();
      for (int i = 0; i < strategies.size(); i++) {
        Strategy st = strategies.get(i);
        var scope = run.root.child(st.name().toLowerCase() + "_" + i);
        if (depthwise) {
          var layer = CondConv2d.create(scope,
              CondConv2dConfig.depthwise(g, e).withMultiplier(MULT).withStrategy(st), CIN);
          outs.add(layer.apply(xIn, rIn, Mode.TRAIN));
          banks.add(layer.experts());
        } else {
          var layer = CondConv2d.create(scope, CondConv2dConfig.of(COUT, g, e).withStrategy(st), CIN);
          outs.add(layer.apply(xIn, rIn, Mode.TRAIN));
          banks.add(layer.experts());
        }
      }
      for (ExpertBank bank : banks) {
        VariableRef bias = bank.bias();
        run.assign(bias, Rand.normal(bias.name().hashCode(), (int) bias.size()));
      }
      List<float[]> got = run.run(outs, new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x),
          new TfRun.Feed(rIn, Shape.of(b, e), r));
      for (int i = 0; i < strategies.size(); i++) {
        ExpertBank bank = banks.get(i);
        double[] expected = RefCondConv.forward(spec, AllClose.toDouble(x), AllClose.toDouble(r),
            run.value(bank.kernel()), run.value(bank.bias()));
        assertEquals(expected.length, got.get(i).length, strategies.get(i) + " output size");
        AllClose.assertRelClose(expected, got.get(i), RTOL, strategies.get(i).toString());
      }
    }
  }
}

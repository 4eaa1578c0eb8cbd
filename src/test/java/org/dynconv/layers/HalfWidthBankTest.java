package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.models.BuildOptions;
import org.dynconv.reference.RefCondConv;
import org.dynconv.reference.RefConv;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.dynconv.train.optim.GradAndVar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Half-width expert banks against a float64 reference that follows the contract: the routing
 * weights and the stored bank are values of the half-width type, each mixed kernel element is
 * their exact sum of products to within one unit in the last place of the half-width type, and the
 * convolution is float32. The layer's tolerance is derived from that, not tuned: with unit
 * roundoff u (2^-8 for bfloat16, 2^-11 for float16) one unit in the last place of k is at most
 * 2u|k| (plus the float16 subnormal spacing 2^-24), and the convolution of such kernel errors is
 * within the convolution of |x| with that bound.
 */
class HalfWidthBankTest {
  static final int H = 9, W = 8, CIN = 3, COUT = 4, MULT = 2, E = 4;

  /** {@code v} rounded to nearest even with {@code bits} significant bits and minimum exponent. */
  static double round(double v, int bits, int minExponent) {
    if (v == 0) {
      return 0;
    }
    int e = Math.max(Math.getExponent(v), minExponent);
    double ulp = Math.scalb(1.0, e - (bits - 1));
    return Math.rint(v / ulp) * ulp;
  }

  static int minExponent(BankPrecision p) {
    return p == BankPrecision.FLOAT16 ? -14 : -126;
  }

  @Test
  void roundingReferenceMatchesHandComputedValues() {
    // bfloat16 keeps 8 significant bits: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 -> even (1).
    assertEquals(1.0, round(1 + Math.scalb(1.0, -8), 8, -126));
    assertEquals(1 + Math.scalb(1.0, -6), round(1 + 3 * Math.scalb(1.0, -8), 8, -126));
    // float16: 0.1 -> 0.0999755859375 (the well-known half-precision value of 0.1).
    assertEquals(0.0999755859375, round(0.1, 11, -14));
    // float16 subnormals are multiples of 2^-24.
    assertEquals(Math.scalb(1.0, -24), round(1.4 * Math.scalb(1.0, -24), 11, -14));
  }

  @ParameterizedTest(name = "{0} depthwise={1} {2} k={3} B={4}")
  @CsvSource({
      "BFLOAT16,false,GROUPED,3,3", "BFLOAT16,false,LOOP,3,3", "BFLOAT16,false,FUSED,3,1",
      "BFLOAT16,false,BATCHED_MATMUL,1,3", "BFLOAT16,false,DEPTHWISE_FOLD,3,3",
      "BFLOAT16,true,GROUPED,3,3", "BFLOAT16,true,LOOP,5,3", "BFLOAT16,true,FUSED,3,1",
      "BFLOAT16,true,DEPTHWISE_FOLD,3,3", "BFLOAT16,false,AUTO,3,-1",
      "FLOAT16,false,GROUPED,3,3", "FLOAT16,false,FUSED,1,1", "FLOAT16,false,BATCHED_MATMUL,1,3",
      "FLOAT16,true,LOOP,3,3", "FLOAT16,true,FUSED,5,1", "FLOAT16,true,AUTO,3,-1"})
  void layerMatchesTheRoundedReferenceWithinTheDerivedBound(BankPrecision p, boolean depthwise,
      Strategy strategy, int k, int batch) {
    int b = batch < 0 ? 2 : batch;
    ConvGeometry g = ConvGeometry.square(k, 1, 1, Padding.SAME);
    RefCondConv.Spec spec = new RefCondConv.Spec(depthwise, b, H, W, CIN,
        depthwise ? MULT : COUT, k, 1, 1, true, E);
    float[] x = Rand.normal(3 * k + b, b * H * W * CIN);
    float[] r = Rand.uniform(7 + b, b * E, 0.05, 1.0);
    try (TfRun run = new TfRun(11)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(batch, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(batch, E));
      LayerScope scope = run.root.withBankPrecision(p).child("layer");
      Operand<TFloat32> y;
      ExpertBank bank;
      if (depthwise) {
        var layer = CondConv2d.create(scope,
            CondConv2dConfig.depthwise(g, E).withMultiplier(MULT).withStrategy(strategy), CIN);
        y = layer.apply(xIn, rIn, Mode.INFER);
        bank = layer.experts();
      } else {
        var layer = CondConv2d.create(scope, CondConv2dConfig.of(COUT, g, E)
            .withStrategy(strategy), CIN);
        y = layer.apply(xIn, rIn, Mode.INFER);
        bank = layer.experts();
      }
      assertEquals(p.dataType(), bank.kernel().dtype());
      assertEquals(p, bank.precision());
      run.assign(bank.bias(), Rand.normal(5, (int) bank.bias().size()));
      float[] got = run.run(y, new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x),
          new TfRun.Feed(rIn, Shape.of(b, E), r));
      double[] stored = run.value(bank.kernel());
      double[] bias = run.value(bank.bias());
      int bits = p.significandBits(), minExp = minExponent(p);
      for (double w : stored) {
        assertEquals(w, round(w, bits, minExp), "the bank holds values of " + p);
      }
      double u = Math.scalb(1.0, -bits);
      double tiny = Math.scalb(1.0, -24);
      double[] rh = new double[r.length];
      for (int i = 0; i < r.length; i++) {
        rh[i] = round(r[i], bits, minExp);
      }
      int pp = spec.p(), in = H * W * CIN, out = spec.oh() * spec.ow() * spec.cout();
      double maxExcess = 0, maxFromUnrounded = 0, scale = 0;
      for (int e = 0; e < b; e++) {
        double[] xb = AllClose.toDouble(java.util.Arrays.copyOfRange(x, e * in, (e + 1) * in));
        double[] kExact = RefCondConv.mix(rh, e, stored, E, pp);
        double[] kUnrounded = RefCondConv.mix(AllClose.toDouble(r), e, stored, E, pp);
        double[] kAbs = new double[pp];
        double[] kBound = new double[pp];
        for (int j = 0; j < E; j++) {
          for (int i = 0; i < pp; i++) {
            kAbs[i] += Math.abs(rh[e * E + j] * stored[j * pp + i]);
          }
        }
        for (int i = 0; i < pp; i++) {
          // One unit in the last place of |k| is at most 2u |k| <= 2u sum|r w| (the mixing test).
          kBound[i] = 2 * u * kAbs[i] + tiny;
        }
        double[] xAbs = new double[xb.length];
        for (int i = 0; i < xb.length; i++) {
          xAbs[i] = Math.abs(xb[i]);
        }
        double[] yExact = conv(spec, xb, kExact);
        double[] yUnrounded = conv(spec, xb, kUnrounded);
        double[] bound = conv(spec, xAbs, kBound);
        double[] magnitude = conv(spec, xAbs, kAbs);
        // The bias is float32 and mixed with the unrounded routing.
        double[] bu = RefCondConv.mix(AllClose.toDouble(r), e, bias, E, spec.cout());
        for (int i = 0; i < out; i++) {
          double yi = got[e * out + i];
          double ref = yExact[i] + bu[i % spec.cout()];
          double tol = bound[i] + 1e-5 * (magnitude[i] + Math.abs(bu[i % spec.cout()])) + 1e-6;
          maxExcess = Math.max(maxExcess, Math.abs(yi - ref) / tol);
          maxFromUnrounded = Math.max(maxFromUnrounded,
              Math.abs(yi - yUnrounded[i] - bu[i % spec.cout()]));
          scale = Math.max(scale, magnitude[i]);
        }
      }
      assertTrue(maxExcess <= 1.0, p + " " + strategy + ": error reaches " + maxExcess
          + " of the derived bound");
      // Not vacuous: the layer did not compute in float32 with the unrounded routing (float32's
      // own error is ~1e-7 of the scale; half-width rounding is 1e-3 to 1e-4 of it).
      assertTrue(maxFromUnrounded > 1e-5 * scale, p + " " + strategy
          + ": output equals the float32 computation (" + maxFromUnrounded + ")");
    }
  }

  /**
   * The mixing alone, element by element: each mixed kernel element is within one unit in the last
   * place of the exact sum of products (TensorFlow's CPU MatMul accumulates in float32 and then
   * converts; measured here, float16 rounds to nearest while bfloat16 often does not, so only
   * float16 is also checked to be the correctly rounded sum almost everywhere).
   */
  @ParameterizedTest(name = "{0} layout={1}")
  @CsvSource({"BFLOAT16,rows", "BFLOAT16,columns", "BFLOAT16,one", "FLOAT16,rows",
      "FLOAT16,columns", "FLOAT16,one"})
  void mixedKernelsAreTheRoundedSumsWithinOneUnit(BankPrecision p, String layout) {
    int b = layout.equals("one") ? 1 : 3;
    float[] r = Rand.uniform(19, b * E, 0.05, 1.0);
    try (TfRun run = new TfRun(23)) {
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(b, E));
      ExpertBank bank = CondConv2d.create(run.root.withBankPrecision(p).child("c"),
          CondConv2dConfig.of(COUT, ConvGeometry.square(3, 1, 1, Padding.SAME), E), CIN).experts();
      Operand<TFloat32> mixed = switch (layout) {
        case "rows" -> bank.mixKernels(run.tf, rIn);
        case "columns" -> bank.mixKernelsExampleLast(run.tf, rIn);
        default -> bank.mixKernelSingle(run.tf, rIn);
      };
      float[] got = run.run(mixed, new TfRun.Feed(rIn, Shape.of(b, E), r));
      double[] stored = run.value(bank.kernel());
      int bits = p.significandBits(), minExp = minExponent(p), pp = (int) bank.paramsPerExpert();
      double[] rh = new double[r.length];
      for (int i = 0; i < r.length; i++) {
        rh[i] = round(r[i], bits, minExp);
      }
      int exact = 0;
      for (int e = 0; e < b; e++) {
        double[] k = RefCondConv.mix(rh, e, stored, E, pp);
        for (int i = 0; i < pp; i++) {
          // [B,P] for rows, [P,B] for columns; one example is the same either way.
          double g = layout.equals("columns") ? got[i * b + e] : got[e * pp + i];
          double expected = round(k[i], bits, minExp);
          double ulp = Math.scalb(1.0, Math.max(Math.getExponent(k[i]), minExp) - (bits - 1));
          assertTrue(Math.abs(g - k[i]) <= ulp, p + " " + layout + " example " + e
              + " element " + i + ": " + g + ", expected within " + ulp + " of " + k[i]);
          exact += g == expected ? 1 : 0;
        }
      }
      if (p != BankPrecision.FLOAT16) {
        return;
      }
      assertTrue(exact >= 0.95 * b * pp, p + " " + layout + ": only " + exact + " of " + b * pp
          + " elements are the correctly rounded sum");
    }
  }

  private static double[] conv(RefCondConv.Spec sp, double[] x, double[] k) {
    return sp.depthwise()
        ? RefConv.depthwise(x, sp.h(), sp.w(), sp.cin(), k, sp.k(), sp.k(), sp.kout(), sp.s(),
            sp.d(), sp.same())
        : RefConv.conv2d(x, sp.h(), sp.w(), sp.cin(), k, sp.k(), sp.k(), sp.kout(), sp.s(),
            sp.d(), sp.same());
  }

  @Test
  void halfWidthBanksAreInferenceOnlyAndHaveNoFloat32Ref() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BuildOptions(Mode.TRAIN, -1, false, BankPrecision.BFLOAT16));
    assertTrue(e.getMessage().contains("bankPrecision=bfloat16")
        && e.getMessage().contains("mode=TRAIN"), e.getMessage());
    try (TfRun run = new TfRun(3)) {
      var layer = CondConv2d.create(run.root.withBankPrecision(BankPrecision.FLOAT16).child("c"),
          CondConv2dConfig.of(COUT, ConvGeometry.square(3, 1, 1, Padding.SAME), E), CIN);
      VariableRef k = layer.experts().kernel();
      assertEquals(DataType.DT_HALF, k.dtype());
      assertTrue(k.halfWidth());
      assertNull(k.variable());
      assertNull(k.initialized());
      assertEquals(DataType.DT_FLOAT, k.read().asOutput().dataType());
      assertEquals(DataType.DT_FLOAT, layer.experts().bias().dtype(), "the bias stays float32");
      IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
          () -> new GradAndVar(k.read(), k));
      assertTrue(train.getMessage().contains("'c/condconv_kernel' is stored as DT_HALF"),
          train.getMessage());
    }
  }

  @Test
  void parseNamesTheArgumentAndTheChoices() {
    assertEquals(BankPrecision.BFLOAT16, BankPrecision.parse("--bank-dtype", "BFloat16"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BankPrecision.parse("--bank-dtype", "int8"));
    assertEquals("--bank-dtype=int8 is invalid; expected one of [float32, bfloat16, float16].",
        e.getMessage());
  }
}

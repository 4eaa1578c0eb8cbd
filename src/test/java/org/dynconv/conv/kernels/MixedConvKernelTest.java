package org.dynconv.conv.kernels;

import static org.dynconv.conv.kernels.KernelTests.assertClose;
import static org.dynconv.conv.kernels.KernelTests.centralDifferences;
import static org.dynconv.conv.kernels.KernelTests.constant;
import static org.dynconv.conv.kernels.KernelTests.floats;
import static org.dynconv.conv.kernels.KernelTests.uniform;
import static org.dynconv.conv.kernels.KernelTests.weightedSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code DynconvMixedConv2D} (each example's kernel mixed from the expert bank inside the
 * library's loops) against a float64 reference written here, which mixes the kernels and
 * convolves by the definitions: kernel 1, 3 and 5, stride 1 and 2, SAME and VALID, E 1, 4 and 8,
 * batch 1 (the op's whole-kernel path), 3 and 8 (its panel path, with a group of examples that is
 * not full), 40 output channels (panels of 32 or 16 channels and a partial last one), batch 8 on
 * a 32 x 32 image of 40 channels (the forward pass then runs its units group by group: the
 * batch's input, 1.3 MB, would not stay in L2 across panels), and 40
 * input channels at batch 5 (input-gradient panels and kernel-gradient tiles past the first),
 * and a 64 x 64 image (the kernel gradient's examples taken one at a time).
 * Gradients with respect to the input, the routing weights and the bank come from one op,
 * {@code DynconvMixedConv2DGrad}, through the Java registration
 * and are checked against the reference's scatter form and against central differences; results
 * are bit-identical across runs and thread counts. The build runs this class with the library's
 * best loops for this CPU and capped to its AVX2 and baseline builds, like {@link
 * PerExampleConvKernelTest}.
 */
class MixedConvKernelTest {
  static final int CIN = 13, COUT = 40;

  @BeforeAll
  static void library() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
  }

  record Case(int batch, int h, int w, int channels, int n, int experts, ConvGeometry g) {
    int oh() {
      return g.outputHeight(h);
    }

    int ow() {
      return g.outputWidth(w);
    }

    long params() {
      return (long) g.kernelH() * g.kernelW() * channels * n;
    }

    long[] xShape() {
      return new long[] {batch, h, w, channels};
    }

    long[] kernelShape() {
      return new long[] {g.kernelH(), g.kernelW(), channels, n};
    }

    @Override
    public String toString() {
      return "B=" + batch + " " + h + "x" + w + " C=" + channels + " N=" + n + " E=" + experts
          + " " + g;
    }
  }

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (int k : new int[] {1, 3, 5}) {
      for (int s : new int[] {1, 2}) {
        for (Padding p : Padding.values()) {
          for (int e : new int[] {1, 4, 8}) {
            for (int b : new int[] {1, 3, 8}) {
              out.add(Arguments.of(new Case(b, 9, 8, CIN, COUT, e, ConvGeometry.square(k, s, 1,
                  p))));
            }
          }
        }
      }
    }
    // More input channels than one panel of the input gradient (32 or 16, and a partial one) and
    // than one tile of the kernels' gradient; two groups of examples, the second not full.
    for (int k : new int[] {1, 3}) {
      for (int s : new int[] {1, 2}) {
        out.add(Arguments.of(new Case(5, 7, 9, 40, 13, 3, ConvGeometry.square(k, s, 1,
            Padding.SAME))));
      }
    }
    // An input larger than half of L2 (1.3 MB) and a group's under it: the forward pass runs its
    // units group by group rather than panel by panel.
    for (int k : new int[] {1, 3}) {
      out.add(Arguments.of(new Case(8, 32, 32, 40, 40, 4, ConvGeometry.square(k, k == 1 ? 1 : 2,
          1, Padding.SAME))));
    }
    // An image large enough that the kernel gradient takes its examples one at a time (a
    // chunk's x and dy must stay in L2).
    out.add(Arguments.of(new Case(3, 64, 64, 13, 8, 2, ConvGeometry.square(3, 1, 1,
        Padding.SAME))));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("grid")
  void forwardAndGradientsEqualTheFloat64Reference(Case c) {
    SplittableRandom r = new SplittableRandom(c.toString().hashCode());
    float[] x = uniform(r, c.batch() * c.h() * c.w() * c.channels());
    float[] routing = uniform(r, c.batch() * c.experts());
    float[] bank = uniform(r, (int) (c.experts() * c.params()));
    float[] dy = uniform(r, c.batch() * c.oh() * c.ow() * c.n());
    Reference ref = Reference.of(c, x, routing, bank, dy);
    Computed got = compute(c, x, routing, bank, dy, 0);
    assertClose("y", ref.y, ref.yScale, got.y, 2e-6, c);
    assertClose("dx", ref.dx, ref.dxScale, got.dx, 2e-6, c);
    assertClose("drouting", ref.dr, ref.drScale, got.dr, 2e-6, c);
    assertClose("dbank", ref.dbank, ref.dbankScale, got.dbank, 2e-6, c);
  }

  /**
   * L = sum(y * dy) is linear in each of x, the routing weights and the bank when the other two
   * are fixed, so a central difference is the derivative itself, up to float32 rounding of L.
   */
  @Test
  void gradientsEqualCentralDifferences() {
    for (Case c : List.of(new Case(2, 9, 8, CIN, 7, 4, ConvGeometry.square(3, 2, 1, Padding.SAME)),
        new Case(1, 8, 9, 5, 33, 3, ConvGeometry.square(1, 1, 1, Padding.VALID)))) {
      SplittableRandom r = new SplittableRandom(7);
      float[] x = uniform(r, c.batch() * c.h() * c.w() * c.channels());
      float[] routing = uniform(r, c.batch() * c.experts());
      float[] bank = uniform(r, (int) (c.experts() * c.params()));
      float[] dy = uniform(r, c.batch() * c.oh() * c.ow() * c.n());
      Computed got = compute(c, x, routing, bank, dy, 0);
      centralDifferences(c + " dL/dx", x, 37, got.dx, v -> loss(c, v, routing, bank, dy));
      centralDifferences(c + " dL/drouting", routing, 1, got.dr, v -> loss(c, x, v, bank, dy));
      centralDifferences(c + " dL/dbank", bank, 29, got.dbank, v -> loss(c, x, routing, v, dy));
    }
  }

  @Test
  void resultsAreBitIdenticalAcrossRunsAndThreadCounts() {
    for (int batch : new int[] {1, 6}) {
      Case c = new Case(batch, 12, 11, 24, 70, 8, ConvGeometry.square(3, 1, 1, Padding.SAME));
      SplittableRandom r = new SplittableRandom(11);
      float[] x = uniform(r, c.batch() * c.h() * c.w() * c.channels());
      float[] routing = uniform(r, c.batch() * c.experts());
      float[] bank = uniform(r, (int) (c.experts() * c.params()));
      float[] dy = uniform(r, c.batch() * c.oh() * c.ow() * c.n());
      Computed first = compute(c, x, routing, bank, dy, 2);
      for (int threads : new int[] {2, 1, 3}) {
        Computed again = compute(c, x, routing, bank, dy, threads);
        assertArrayEquals(first.y, again.y, c + ": y with " + threads + " threads");
        assertArrayEquals(first.dx, again.dx, c + ": dx with " + threads + " threads");
        assertArrayEquals(first.dr, again.dr, c + ": drouting with " + threads + " threads");
        assertArrayEquals(first.dbank, again.dbank, c + ": dbank with " + threads + " threads");
      }
    }
  }

  /**
   * The gradient is the one op that chains through the mixing inside its loops: no MatMul mixes
   * kernels for it, and no per-example kernel gradient is taken.
   */
  @Test
  void theGradientIsOneOpThatMixesInsideItsLoops() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.zeros(tf.constant(new long[] {2, 5, 5, 3}), TFloat32.class);
      Operand<TFloat32> routing = tf.zeros(tf.constant(new long[] {2, 4}), TFloat32.class);
      Operand<TFloat32> bank = tf.zeros(tf.constant(new long[] {4, 54}), TFloat32.class);
      Operand<TFloat32> y = KernelOps.mixedConv2d(tf, x, routing, bank, new long[] {3, 3, 3, 2},
          ConvGeometry.square(3, 1, 1, Padding.SAME), 0);
      g.addGradients(tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3})).asOutput(),
          new Output<?>[] {x.asOutput(), routing.asOutput(), bank.asOutput()});
      List<String> types = new ArrayList<>();
      g.operations().forEachRemaining(op -> types.add(op.type()));
      assertTrue(types.contains("DynconvMixedConv2DGrad"), types.toString());
      assertTrue(!types.contains("MatMul") && !types.contains("DynconvPerExampleConv2DGrad"),
          types.toString());
    }
  }

  @Test
  void aBankOfTheWrongWidthFailsNamingTheOpAndTheShapes() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.zeros(tf.constant(new long[] {2, 5, 5, 3}), TFloat32.class);
      Operand<TFloat32> routing = tf.zeros(tf.constant(new long[] {2, 4}), TFloat32.class);
      Operand<TFloat32> bank = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y = KernelOps.mixedConv2d(tf, x, routing, bank, new long[] {3, 3, 3, 6},
          ConvGeometry.square(3, 1, 1, Padding.SAME), 0);
      try (TFloat32 wrong = TFloat32.tensorOf(Shape.of(4, 161))) {
        RuntimeException e = assertThrows(RuntimeException.class,
            () -> s.runner().feed(bank, wrong).fetch(y).run().close());
        assertTrue(e.getMessage().contains("DynconvMixedConv2D")
            && e.getMessage().contains("[4, 161]") && e.getMessage().contains("[E, 162]"),
            e.getMessage());
      }
    }
  }

  // ---- running the op ----

  record Computed(float[] y, float[] dx, float[] dr, float[] dbank) {}

  private static Computed compute(Case c, float[] x, float[] routing, float[] bank, float[] dy,
      int threads) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xc = constant(tf, c.xShape(), x);
      Operand<TFloat32> rc = constant(tf, new long[] {c.batch(), c.experts()}, routing);
      Operand<TFloat32> bc = constant(tf, new long[] {c.experts(), c.params()}, bank);
      Operand<TFloat32> y = KernelOps.mixedConv2d(tf, xc, rc, bc, c.kernelShape(), c.g(), threads);
      Operand<TFloat32> l = tf.reduceSum(tf.math.mul(y, constant(tf,
          new long[] {c.batch(), c.oh(), c.ow(), c.n()}, dy)), tf.constant(new int[] {0, 1, 2,
          3}));
      Output<?>[] grads = g.addGradients(l.asOutput(),
          new Output<?>[] {xc.asOutput(), rc.asOutput(), bc.asOutput()});
      try (Result r = s.runner().fetch(y).fetch(grads[0]).fetch(grads[1]).fetch(grads[2]).run()) {
        return new Computed(floats(r, 0), floats(r, 1), floats(r, 2), floats(r, 3));
      }
    }
  }

  private static double loss(Case c, float[] x, float[] routing, float[] bank, float[] dy) {
    return weightedSum(tf -> KernelOps.mixedConv2d(tf, constant(tf, c.xShape(), x),
        constant(tf, new long[] {c.batch(), c.experts()}, routing),
        constant(tf, new long[] {c.experts(), c.params()}, bank), c.kernelShape(), c.g(), 0), dy);
  }


  /**
   * The float64 reference. Kernels mixed by the definition, w[b] = sum_e r[b, e] bank[e]; the
   * forward by the convolution's definition; the gradients by scattering each term x * w * dy of
   * L = sum(y * dy) to the x and the kernel element it came from, then through the mixing:
   * dr[b, e] = sum_i dw[b, i] bank[e, i], dbank[e, i] = sum_b r[b, e] dw[b, i]. The scales are
   * the sums of |term| with every mixed weight replaced by sum_e |r[b, e] bank[e]|, which bound
   * float32 rounding.
   */
  record Reference(double[] y, double[] yScale, double[] dx, double[] dxScale, double[] dr,
      double[] drScale, double[] dbank, double[] dbankScale) {
    static Reference of(Case c, float[] x, float[] routing, float[] bank, float[] dy) {
      ConvGeometry g = c.g();
      int kh = g.kernelH(), kw = g.kernelW(), C = c.channels(), n = c.n(), E = c.experts();
      int H = c.h(), W = c.w(), oh = c.oh(), ow = c.ow(), pt = g.padTop(H), pl = g.padLeft(W);
      int P = (int) c.params(), B = c.batch();
      double[] w = new double[B * P], wAbs = new double[B * P];
      for (int b = 0; b < B; b++) {
        for (int e = 0; e < E; e++) {
          for (int i = 0; i < P; i++) {
            double term = (double) routing[b * E + e] * bank[e * P + i];
            w[b * P + i] += term;
            wAbs[b * P + i] += Math.abs(term);
          }
        }
      }
      double[] y = new double[B * oh * ow * n], ys = new double[y.length];
      double[] dx = new double[x.length], dxs = new double[x.length];
      double[] dw = new double[B * P], dws = new double[B * P];
      for (int b = 0; b < B; b++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            for (int o = 0; o < n; o++) {
              int yi = ((b * oh + i) * ow + j) * n + o;
              for (int p = 0; p < kh; p++) {
                int ih = i * g.strideH() + p - pt;
                if (ih < 0 || ih >= H) {
                  continue;
                }
                for (int q = 0; q < kw; q++) {
                  int iw = j * g.strideW() + q - pl;
                  if (iw < 0 || iw >= W) {
                    continue;
                  }
                  for (int ci = 0; ci < C; ci++) {
                    int xi = ((b * H + ih) * W + iw) * C + ci;
                    int wi = b * P + ((p * kw + q) * C + ci) * n + o;
                    y[yi] += x[xi] * w[wi];
                    ys[yi] += Math.abs(x[xi]) * wAbs[wi];
                    dx[xi] += w[wi] * dy[yi];
                    dxs[xi] += wAbs[wi] * Math.abs(dy[yi]);
                    dw[wi] += (double) x[xi] * dy[yi];
                    dws[wi] += Math.abs((double) x[xi] * dy[yi]);
                  }
                }
              }
            }
          }
        }
      }
      double[] dr = new double[B * E], drs = new double[B * E];
      double[] db = new double[E * P], dbs = new double[E * P];
      for (int b = 0; b < B; b++) {
        for (int e = 0; e < E; e++) {
          for (int i = 0; i < P; i++) {
            dr[b * E + e] += dw[b * P + i] * bank[e * P + i];
            drs[b * E + e] += dws[b * P + i] * Math.abs(bank[e * P + i]);
            db[e * P + i] += routing[b * E + e] * dw[b * P + i];
            dbs[e * P + i] += Math.abs(routing[b * E + e]) * dws[b * P + i];
          }
        }
      }
      return new Reference(y, ys, dx, dxs, dr, drs, db, dbs);
    }
  }
}

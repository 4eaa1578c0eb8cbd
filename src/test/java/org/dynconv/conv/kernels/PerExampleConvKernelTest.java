package org.dynconv.conv.kernels;

import static org.dynconv.conv.kernels.KernelTests.assertClose;
import static org.dynconv.conv.kernels.KernelTests.centralDifferences;
import static org.dynconv.conv.kernels.KernelTests.constant;
import static org.dynconv.conv.kernels.KernelTests.floats;
import static org.dynconv.conv.kernels.KernelTests.uniform;
import static org.dynconv.conv.kernels.KernelTests.weightedSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.ConvKind;
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
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The kernel library's per-example convolution ({@code DynconvPerExampleConv2D} and its gradient)
 * against a float64 reference written here in plain loops, over the grid of issue 25: kernel 1, 3
 * and 5, stride 1 and 2, SAME and VALID, batch 1, 3 and 8, regular and depthwise (multiplier 1 and
 * 2), inputs 9 x 8 and 8 x 9, plus dilation 2, and depthwise 7 x 7 windows and rows of 20
 * columns; channel counts that are not multiples of the kernel's tiles (13 in, 19 and 300 out;
 * depthwise 8, 21, 28, 70 and 40 x 2).
 * The gradients go through the Java registration ({@code Graph.addGradients}) and are checked
 * against the reference's scatter form and against central differences; results are bit-identical
 * across runs and thread counts. The build runs this class three times: with the library's best
 * loops for this CPU, and capped to its AVX2 and baseline builds (DYNCONV_KERNELS_ISA, pom.xml).
 */
class PerExampleConvKernelTest {
  static final int CIN = 13, COUT = 19, DEPTH_C = 21;

  @BeforeAll
  static void library() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
  }

  /** One case: the op's kind and geometry, and the shapes (input h x w). */
  record Case(ConvKind kind, int batch, int h, int w, int channels, int n, ConvGeometry g) {
    Case(ConvKind kind, int batch, int channels, int n, ConvGeometry g) {
      this(kind, batch, 9, 8, channels, n, g);
    }

    int oh() {
      return g.outputHeight(h);
    }

    int ow() {
      return g.outputWidth(w);
    }

    int cout() {
      return kind == ConvKind.REGULAR ? n : channels * n;
    }

    long[] xShape() {
      return new long[] {batch, h, w, channels};
    }

    long[] wShape() {
      return new long[] {batch, g.kernelH(), g.kernelW(), channels, n};
    }

    @Override
    public String toString() {
      return kind + " B=" + batch + " " + h + "x" + w + " C=" + channels + " N=" + n + " " + g;
    }
  }

  static Stream<Arguments> grid() {
    List<Arguments> out = new ArrayList<>();
    for (int k : new int[] {1, 3, 5}) {
      for (int s : new int[] {1, 2}) {
        for (Padding p : Padding.values()) {
          for (int b : new int[] {1, 3, 8}) {
            ConvGeometry g = ConvGeometry.square(k, s, 1, p);
            // 9 x 8 and 8 x 9: SAME pads an odd number of rows in one and of columns in the other.
            for (int[] hw : new int[][] {{9, 8}, {8, 9}}) {
              out.add(Arguments.of(new Case(ConvKind.REGULAR, b, hw[0], hw[1], CIN, COUT, g)));
              out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, b, hw[0], hw[1], DEPTH_C, 1, g)));
              out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, b, hw[0], hw[1], 3, 2, g)));
            }
          }
          // Depthwise channels beyond one 64-channel register block, multiplier 1 and 2; 8 and 28
          // channels take the narrower vectors (16 + 8 + 4 with AVX-512, 3 x 8 + 4 with AVX2).
          ConvGeometry g = ConvGeometry.square(k, s, 1, p);
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 3, 70, 1, g)));
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 3, 8, 1, g)));
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 3, 28, 1, g)));
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 3, 40, 2, g)));
        }
      }
      // 300 output channels: from 256 on, the forward pass copies each panel out of w before
      // the pixels pass (and the last of them is partial).
      out.add(Arguments.of(new Case(ConvKind.REGULAR, 2, 5, 300, ConvGeometry.square(k, 1, 1,
          Padding.SAME))));
      ConvGeometry dilated = ConvGeometry.square(k, 1, 2, Padding.SAME);
      out.add(Arguments.of(new Case(ConvKind.REGULAR, 2, CIN, COUT, dilated)));
      out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 2, DEPTH_C, 1, dilated)));
    }
    // The depthwise forward pass slides windows of 3, 5 and 7 columns along rows of 8 outputs:
    // 7 x 7 windows, and 20 columns (segments of 8, 8 and 4 outputs at stride 1).
    for (int s : new int[] {1, 2}) {
      for (Padding p : Padding.values()) {
        for (int k : new int[] {3, 7}) {
          ConvGeometry g = ConvGeometry.square(k, s, 1, p);
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 2, 9, 20, DEPTH_C, 1, g)));
          out.add(Arguments.of(new Case(ConvKind.DEPTHWISE, 2, 8, 9, 70, 1, g)));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("grid")
  void forwardAndGradientsEqualTheFloat64Reference(Case c) {
    SplittableRandom r = new SplittableRandom(c.toString().hashCode());
    float[] x = uniform(r, c.xShape()), w = uniform(r, c.wShape());
    float[] dy = uniform(r, new long[] {c.batch(), c.oh(), c.ow(), c.cout()});
    Reference ref = Reference.of(c, x, w, dy);
    Computed got = compute(c, x, w, dy, 0);
    assertClose("y", ref.y, ref.yScale, got.y, 1e-6, c);
    assertClose("dx", ref.dx, ref.dxScale, got.dx, 1e-6, c);
    assertClose("dw", ref.dw, ref.dwScale, got.dw, 1e-6, c);
  }

  /**
   * L = sum(y * dy) is linear in x for fixed w (and in w for fixed x), so a central difference is
   * the derivative itself, up to float32 rounding of L.
   */
  @Test
  void gradientsEqualCentralDifferences() {
    for (Case c : List.of(
        new Case(ConvKind.REGULAR, 2, CIN, 7, ConvGeometry.square(3, 2, 1, Padding.SAME)),
        new Case(ConvKind.DEPTHWISE, 2, 6, 2, ConvGeometry.square(5, 1, 1, Padding.VALID)))) {
      SplittableRandom r = new SplittableRandom(7);
      float[] x = uniform(r, c.xShape()), w = uniform(r, c.wShape());
      float[] dy = uniform(r, new long[] {c.batch(), c.oh(), c.ow(), c.cout()});
      Computed got = compute(c, x, w, dy, 0);
      centralDifferences(c + " dL/dx", x, 37, got.dx, v -> loss(c, v, w, dy));
      centralDifferences(c + " dL/dw", w, 11, got.dw, v -> loss(c, x, v, dy));
    }
  }

  @Test
  void resultsAreBitIdenticalAcrossRunsAndThreadCounts() {
    Case c = new Case(ConvKind.REGULAR, 4, 24, 40, ConvGeometry.square(3, 1, 1, Padding.SAME));
    SplittableRandom r = new SplittableRandom(11);
    float[] x = uniform(r, c.xShape()), w = uniform(r, c.wShape());
    float[] dy = uniform(r, new long[] {c.batch(), c.oh(), c.ow(), c.cout()});
    Computed first = compute(c, x, w, dy, 2);
    for (int threads : new int[] {2, 1, 3}) {
      Computed again = compute(c, x, w, dy, threads);
      assertArrayEquals(first.y, again.y, "y with " + threads + " threads");
      assertArrayEquals(first.dx, again.dx, "dx with " + threads + " threads");
      assertArrayEquals(first.dw, again.dw, "dw with " + threads + " threads");
    }
  }

  /**
   * Several of our ops at once (TensorFlow's inter-op threads), each on two threads: one holds the
   * library's thread pool and the others start threads of their own; each result equals the one
   * its op computes alone, bit for bit.
   */
  @Test
  void opsRunningAtOnceEachGiveTheResultTheyGiveAlone() {
    // Large enough (some milliseconds each) that the ops overlap.
    List<Case> cases = List.of(
        new Case(ConvKind.REGULAR, 4, 32, 32, 48, 40, ConvGeometry.square(3, 1, 1, Padding.SAME)),
        new Case(ConvKind.REGULAR, 3, 32, 32, 64, 33, ConvGeometry.square(1, 2, 1, Padding.VALID)),
        new Case(ConvKind.DEPTHWISE, 4, 32, 32, 28, 1, ConvGeometry.square(3, 1, 1, Padding.SAME)),
        new Case(ConvKind.DEPTHWISE, 3, 32, 32, 70, 1, ConvGeometry.square(5, 2, 1, Padding.SAME)));
    List<float[]> xs = new ArrayList<>(), ws = new ArrayList<>(), alone = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(13);
    for (Case c : cases) {
      xs.add(uniform(r, c.xShape()));
      ws.add(uniform(r, c.wShape()));
      float[] dy = new float[c.batch() * c.oh() * c.ow() * c.cout()];
      alone.add(compute(c, xs.get(xs.size() - 1), ws.get(ws.size() - 1), dy, 2).y);
    }
    List<TFloat32> feeds = new ArrayList<>();
    try (Graph g = new Graph();
        Session s = new org.dynconv.graph.Threads(2, cases.size()).session(g)) {
      Ops tf = Ops.create(g);
      // Placeholders, not constants: TensorFlow would fold constant inputs on one thread.
      List<Operand<TFloat32>> ins = new ArrayList<>(), ys = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        Operand<TFloat32> x = tf.placeholder(TFloat32.class,
            org.tensorflow.op.core.Placeholder.shape(Shape.of(c.xShape())));
        Operand<TFloat32> w = tf.placeholder(TFloat32.class,
            org.tensorflow.op.core.Placeholder.shape(Shape.of(c.wShape())));
        ins.add(x);
        ins.add(w);
        feeds.add(TFloat32.tensorOf(Shape.of(c.xShape()), DataBuffers.of(xs.get(i), true, false)));
        feeds.add(TFloat32.tensorOf(Shape.of(c.wShape()), DataBuffers.of(ws.get(i), true, false)));
        ys.add(KernelOps.perExampleConv2d(tf, x, w, c.kind(), c.g(), 2));
      }
      for (int run = 0; run < 20; run++) {
        Session.Runner runner = s.runner();
        for (int i = 0; i < ins.size(); i++) {
          runner.feed(ins.get(i), feeds.get(i));
        }
        ys.forEach(runner::fetch);
        try (Result res = runner.run()) {
          for (int i = 0; i < cases.size(); i++) {
            assertArrayEquals(alone.get(i), floats(res, i), cases.get(i) + ", run " + run);
          }
        }
      }
    } finally {
      feeds.forEach(TFloat32::close);
    }
  }

  @Test
  void aBatchUnknownAtBuildTimeKeepsTheOtherDimensions() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(-1, 9, 8, 5)));
      Operand<TFloat32> w = tf.placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(-1, 3, 3, 5, 19)));
      Operand<TFloat32> y = KernelOps.perExampleConv2d(tf, x, w, ConvKind.REGULAR,
          ConvGeometry.square(3, 2, 1, Padding.SAME), 0);
      assertArrayEquals(new long[] {-1, 5, 4, 19}, y.shape().asArray());
    }
  }

  // ---- running the op ----

  record Computed(float[] y, float[] dx, float[] dw) {}

  private static Computed compute(Case c, float[] x, float[] w, float[] dy, int threads) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xc = constant(tf, c.xShape(), x), wc = constant(tf, c.wShape(), w);
      Operand<TFloat32> y = KernelOps.perExampleConv2d(tf, xc, wc, c.kind(), c.g(), threads);
      Operand<TFloat32> l = tf.reduceSum(tf.math.mul(y, constant(tf,
          new long[] {c.batch(), c.oh(), c.ow(), c.cout()}, dy)), tf.constant(new int[] {0, 1, 2,
          3}));
      Output<?>[] grads = g.addGradients(l.asOutput(), new Output<?>[] {xc.asOutput(),
          wc.asOutput()});
      try (Result r = s.runner().fetch(y).fetch(grads[0]).fetch(grads[1]).run()) {
        return new Computed(floats(r, 0), floats(r, 1), floats(r, 2));
      }
    }
  }

  private static double loss(Case c, float[] x, float[] w, float[] dy) {
    return weightedSum(tf -> KernelOps.perExampleConv2d(tf, constant(tf, c.xShape(), x),
        constant(tf, c.wShape(), w), c.kind(), c.g(), 0), dy);
  }


  /**
   * The float64 reference: the forward by its definition, and both gradients by scattering each
   * term x * w * dy of L = sum(y * dy) to the x and w it came from (not the kernel's gather form).
   * The scales are the sums of |term| per element, which bound float32 rounding.
   */
  record Reference(double[] y, double[] yScale, double[] dx, double[] dxScale, double[] dw,
      double[] dwScale) {
    static Reference of(Case c, float[] x, float[] w, float[] dy) {
      ConvGeometry g = c.g();
      int kh = g.kernelH(), kw = g.kernelW(), C = c.channels(), n = c.n(), cout = c.cout();
      int H = c.h(), W = c.w(), oh = c.oh(), ow = c.ow(), pt = g.padTop(H), pl = g.padLeft(W);
      double[] y = new double[c.batch() * oh * ow * cout], ys = new double[y.length];
      double[] dx = new double[x.length], dxs = new double[x.length];
      double[] dw = new double[w.length], dws = new double[w.length];
      for (int b = 0; b < c.batch(); b++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            for (int o = 0; o < cout; o++) {
              int yi = ((b * oh + i) * ow + j) * cout + o;
              for (int p = 0; p < kh; p++) {
                int ih = i * g.strideH() + p * g.dilationH() - pt;
                if (ih < 0 || ih >= H) {
                  continue;
                }
                for (int q = 0; q < kw; q++) {
                  int iw = j * g.strideW() + q * g.dilationW() - pl;
                  if (iw < 0 || iw >= W) {
                    continue;
                  }
                  int cFirst = c.kind() == ConvKind.REGULAR ? 0 : o / n;
                  int cLast = c.kind() == ConvKind.REGULAR ? C - 1 : o / n;
                  for (int ci = cFirst; ci <= cLast; ci++) {
                    int xi = ((b * H + ih) * W + iw) * C + ci;
                    int wi = (((b * kh + p) * kw + q) * C + ci) * n
                        + (c.kind() == ConvKind.REGULAR ? o : o % n);
                    double term = (double) x[xi] * w[wi];
                    y[yi] += term;
                    ys[yi] += Math.abs(term);
                    dx[xi] += (double) w[wi] * dy[yi];
                    dxs[xi] += Math.abs((double) w[wi] * dy[yi]);
                    dw[wi] += (double) x[xi] * dy[yi];
                    dws[wi] += Math.abs((double) x[xi] * dy[yi]);
                  }
                }
              }
            }
          }
        }
      }
      return new Reference(y, ys, dx, dxs, dw, dws);
    }
  }
}

package org.dynconv.conv.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.layers.DcdConv2d;
import org.dynconv.layers.DcdConv2dConfig;
import org.dynconv.layers.DynamicConv2d;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.routing.PooledInput;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.dynconv.testing.TfRun.Feed;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * The gradient routes (DynconvBatchMatMulRoute, DynconvMeanRoute): values passed through
 * unchanged, gradients equal to the derivatives computed here in float64, built from the ops the
 * routes promise (so that the faster ops really run), and used by training graphs only. The
 * layers' gradients through the routes are also checked against finite differences of the float64
 * reference by {@code layers.GradientTest} (its DynamicConv 1x1 BATCHED_MATMUL case holds both).
 */
class GradientRoutesTest {
  static final int B = 2, N = 3, CIN = 4, COUT = 5, H = 3, W = 4;

  @BeforeEach
  void needsTheLibrary() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
  }

  @Test
  void batchMatMulRoutePassesTheProductAndDifferentiatesItAsXTimesK() {
    float[] x = Rand.normal(1, B * N * CIN), k = Rand.normal(2, B * CIN * COUT);
    float[] c = Rand.normal(3, B * N * COUT);
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, N, CIN));
      Operand<TFloat32> kIn = run.placeholder("k", Shape.of(B, CIN, COUT));
      Operand<TFloat32> y = KernelOps.batchMatMulRouted(run.tf, xIn, kIn);
      // L = sum(c * y): dL/dx = c k^T, dL/dk = x^T c.
      Operand<TFloat32> loss = run.tf.reduceSum(run.tf.math.mul(constant(run, c, B, N, COUT), y),
          run.tf.constant(new int[] {0, 1, 2}));
      Gradients g = run.tf.gradients(loss, List.of(xIn, kIn));
      // Each input's gradient is the route's BatchMatMulV2 itself: nothing else reaches x or k.
      assertEquals("BatchMatMulV2", g.dy(0).op().type());
      assertEquals("BatchMatMulV2", g.dy(1).op().type());
      List<float[]> out = run.run(List.of(y, g.dy(0), g.dy(1)),
          new Feed(xIn, Shape.of(B, N, CIN), x), new Feed(kIn, Shape.of(B, CIN, COUT), k));
      double[] yRef = new double[B * N * COUT], dx = new double[B * N * CIN];
      double[] dk = new double[B * CIN * COUT];
      for (int b = 0; b < B; b++) {
        for (int n = 0; n < N; n++) {
          for (int i = 0; i < CIN; i++) {
            for (int o = 0; o < COUT; o++) {
              double xv = x[(b * N + n) * CIN + i], kv = k[(b * CIN + i) * COUT + o];
              double cv = c[(b * N + n) * COUT + o];
              yRef[(b * N + n) * COUT + o] += xv * kv;
              dx[(b * N + n) * CIN + i] += cv * kv;
              dk[(b * CIN + i) * COUT + o] += xv * cv;
            }
          }
        }
      }
      AllClose.assertRelClose(yRef, out.get(0), 1e-6, "y");
      AllClose.assertRelClose(dx, out.get(1), 1e-6, "dL/dx");
      AllClose.assertRelClose(dk, out.get(2), 1e-6, "dL/dk");
    }
  }

  @Test
  void meanRoutePassesBothAndAddsTheMeansGradientAtEveryPixel() {
    float[] x = Rand.normal(4, B * H * W * CIN);
    float[] cx = Rand.normal(5, B * H * W * CIN), cp = Rand.normal(6, B * CIN);
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      GraphOperation route = KernelOps.meanRouted(run.tf, xIn);
      Operand<TFloat32> xOut = route.output(0), pOut = route.output(1);
      // L = sum(cx * x_out) + sum(cp * pooled_out): dL/dx = cx + cp / (H W) at every pixel.
      Operand<TFloat32> loss = run.tf.math.add(
          run.tf.reduceSum(run.tf.math.mul(constant(run, cx, B, H, W, CIN), xOut),
              run.tf.constant(new int[] {0, 1, 2, 3})),
          run.tf.reduceSum(run.tf.math.mul(constant(run, cp, B, CIN), pOut),
              run.tf.constant(new int[] {0, 1})));
      Gradients g = run.tf.gradients(loss, List.of(xIn));
      // One broadcast addition, where TensorFlow's own gradient builds Tile, a division and AddN.
      assertEquals("Add", g.dy(0).op().type());
      List<float[]> out = run.run(List.of(xOut, pOut, g.dy(0)),
          new Feed(xIn, Shape.of(B, H, W, CIN), x));
      double[] mean = new double[B * CIN], dx = new double[B * H * W * CIN];
      for (int b = 0; b < B; b++) {
        for (int p = 0; p < H * W; p++) {
          for (int i = 0; i < CIN; i++) {
            int at = (b * H * W + p) * CIN + i;
            mean[b * CIN + i] += x[at] / (double) (H * W);
            dx[at] = cx[at] + cp[b * CIN + i] / (double) (H * W);
          }
        }
      }
      AllClose.assertRelClose(AllClose.toDouble(x), out.get(0), 0, "x_out");
      AllClose.assertRelClose(mean, out.get(1), 1e-6, "pooled_out");
      AllClose.assertRelClose(dx, out.get(2), 1e-6, "dL/dx");
    }
  }

  @Test
  void trainingGraphsRouteAndInferenceGraphsDoNot() {
    ConvGeometry pointwise = ConvGeometry.of(1);
    for (Mode mode : Mode.values()) {
      try (TfRun run = new TfRun(1)) {
        Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
        DynamicConv2d.create(run.root.child("layer"), DynamicConv2dConfig.of(COUT, pointwise, 3)
            .withStrategy(Strategy.BATCHED_MATMUL), CIN).apply(xIn, mode);
        Set<String> types = new HashSet<>(opTypes(run));
        boolean routed = types.contains("DynconvMeanRoute")
            && types.contains("DynconvBatchMatMulRoute");
        if (mode.training()) {
          assertTrue(routed, "training graph ops: " + types);
        } else {
          // Exports (INFER) and --kernels exports keep the ops Python and TF-Serving load.
          assertFalse(types.stream().anyMatch(t -> t.endsWith("Route")), mode + ": " + types);
        }
      }
    }
  }

  /** DCD's global pool (p = 1) routes in training graphs; its 2x2 adaptive pool does not. */
  @Test
  void dcdRoutesItsGlobalPoolInTrainingGraphs() {
    for (int bins : new int[] {1, 2}) {
      for (Mode mode : Mode.values()) {
        try (TfRun run = new TfRun(1)) {
          Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
          DcdConv2d.create(run.root.child("dcd"), new DcdConv2dConfig(COUT, ConvGeometry.of(3), 2,
              2, bins, new BatchNormConfig(0.9, 1e-3)), CIN).apply(xIn, mode);
          int routes = Collections.frequency(opTypes(run), "DynconvMeanRoute");
          assertEquals(bins == 1 && mode.training() ? 1 : 0, routes, "p = " + bins + ", " + mode);
        }
      }
    }
  }

  @Test
  void anImageOfUnknownSizePoolsWithoutTheRoute() {
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(-1, -1, -1, CIN));
      PooledInput in = PooledInput.of(run.tf, xIn, Mode.TRAIN);
      assertEquals("Placeholder", in.x().op().type());
      assertEquals("Mean", in.pooled().op().type());
      float[] x = Rand.normal(7, B * H * W * CIN);
      float[] pooled = run.run(in.pooled(), new Feed(xIn, Shape.of(B, H, W, CIN), x));
      double[] mean = new double[B * CIN];
      for (int i = 0; i < x.length; i++) {
        mean[i / (H * W * CIN) * CIN + i % CIN] += x[i] / (double) (H * W);
      }
      AllClose.assertRelClose(mean, pooled, 1e-6, "pooled");
    }
  }

  /** The type of every op in the run's graph, one entry per op. */
  private static List<String> opTypes(TfRun run) {
    List<String> types = new ArrayList<>();
    for (Iterator<GraphOperation> it = run.graph.operations(); it.hasNext(); ) {
      types.add(it.next().type());
    }
    return types;
  }

  private static Operand<TFloat32> constant(TfRun run, float[] v, long... shape) {
    return run.tf.constant(Shape.of(shape), DataBuffers.of(v, true, false));
  }
}

package org.dynconv.nn;

import java.util.List;
import org.dynconv.graph.Forward;
import org.dynconv.graph.Mode;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * BatchNorm against a plain-Java reference: training normalises with the batch mean and biased
 * variance; the moving statistics follow {@code m = momentum * m + (1 - momentum) * batch} with
 * the unbiased variance; inference uses the moving statistics.
 */
class BatchNormTest {
  static final int B = 4, H = 3, W = 2, C = 3;
  static final double MOMENTUM = 0.9, EPS = 1e-3;

  @Test
  void trainingAndInferenceAgainstReference() {
    float[] gamma = {1.5f, 0.5f, -1f};
    float[] beta = {0.1f, -0.2f, 0.3f};
    try (TfRun run = new TfRun(1)) {
      BatchNorm bn = BatchNorm.create(run.root.child("bn"), new BatchNormConfig(MOMENTUM, EPS), C);
      run.assign(bn.gamma(), gamma);
      run.assign(bn.beta(), beta);
      Operand<TFloat32> x = run.placeholder("x", Shape.of(-1, H, W, C));
      Forward train = bn.apply(x, Mode.TRAIN);
      Operand<TFloat32> infer = bn.apply(x, Mode.INFER).output();
      List<Op> updates = train.updates();
      Operand<TFloat32> trained = run.tf.withControlDependencies(updates).identity(train.output());
      double[] mm = {0, 0, 0}, mv = {1, 1, 1};
      for (int step = 0; step < 5; step++) {
        float[] xv = Rand.normal(10 + step, B * H * W * C);
        for (int i = 0; i < xv.length; i++) {
          xv[i] = xv[i] * (1 + i % C) + (i % C) * 2; // distinct per-channel scale and shift
        }
        double[][] stats = stats(xv);
        double[] expected = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
          int c = i % C;
          expected[i] = gamma[c] * (xv[i] - stats[0][c]) / Math.sqrt(stats[1][c] + EPS) + beta[c];
        }
        float[] got = run.run(trained, new TfRun.Feed(x, Shape.of(B, H, W, C), xv));
        AllClose.assertRelClose(expected, got, 1e-5, "train output step " + step);
        int n = B * H * W;
        for (int c = 0; c < C; c++) {
          mm[c] = MOMENTUM * mm[c] + (1 - MOMENTUM) * stats[0][c];
          mv[c] = MOMENTUM * mv[c] + (1 - MOMENTUM) * stats[1][c] * n / (n - 1);
        }
        AllClose.assertRelClose(mm, run.run(bn.movingMean().read()), 1e-5, "moving mean " + step);
        AllClose.assertRelClose(mv, run.run(bn.movingVariance().read()), 1e-5, "moving var " + step);
      }
      float[] xv = Rand.normal(99, 2 * H * W * C);
      double[] expected = new double[xv.length];
      for (int i = 0; i < xv.length; i++) {
        int c = i % C;
        expected[i] = gamma[c] * (xv[i] - mm[c]) / Math.sqrt(mv[c] + EPS) + beta[c];
      }
      AllClose.assertRelClose(expected, run.run(infer, new TfRun.Feed(x, Shape.of(2, H, W, C), xv)),
          1e-5, "inference");
    }
  }

  /** Per-channel mean and biased variance. */
  private static double[][] stats(float[] x) {
    double[] mean = new double[C], var = new double[C];
    int n = x.length / C;
    for (int i = 0; i < x.length; i++) {
      mean[i % C] += x[i] / (double) n;
    }
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - mean[i % C];
      var[i % C] += d * d / n;
    }
    return new double[][] {mean, var};
  }

}

package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.layers.DynamicConv2d;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.routing.Temperature;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Loss terms, clipping, EMA and temperature effects against hand-computed values. */
class TrainingMathTest {
  @Test
  void smoothedCrossEntropyMatchesFormula() {
    float[] logits = {2f, 0.5f, -1f, 0.1f, 0.2f, 3f};
    int[] labels = {0, 2};
    double s = 0.1;
    double expected = 0;
    for (int b = 0; b < 2; b++) {
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (int k = 0; k < 3; k++) {
        max = Math.max(max, logits[b * 3 + k]);
      }
      for (int k = 0; k < 3; k++) {
        sum += Math.exp(logits[b * 3 + k] - max);
      }
      for (int k = 0; k < 3; k++) {
        double logp = logits[b * 3 + k] - max - Math.log(sum);
        double target = (k == labels[b] ? 1 - s : 0) + s / 3;
        expected -= target * logp / 2;
      }
    }
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> l = run.tf.constant(new float[][] {{2f, 0.5f, -1f}, {0.1f, 0.2f, 3f}});
      Operand<TInt32> y = run.tf.constant(labels);
      float got = run.run(Losses.softmaxCrossEntropy(run.tf, l, y, 3, s))[0];
      assertEquals(expected, got, 1e-6);
      assertEquals(1.0, run.run(Losses.accuracy(run.tf, l, y))[0], 0);
    }
  }

  @Test
  void weightDecaySkipsBatchNormAndHalvesTheSquares() {
    try (TfRun run = new TfRun(1)) {
      VariableRef k = Variables.create(run.root.child("conv2d"), "kernel", Shape.of(2),
          (tf, sh, a, b) -> tf.constant(new float[] {3f, 4f}), VariableRef.Kind.TRAINABLE);
      VariableRef g = Variables.create(run.root.child("batch_normalization"), "gamma", Shape.of(1),
          (tf, sh, a, b) -> tf.constant(new float[] {10f}), VariableRef.Kind.TRAINABLE);
      VariableRef r = Variables.create(run.root.child("attention"), "kernel", Shape.of(1),
          (tf, sh, a, b) -> tf.constant(new float[] {2f}), VariableRef.Kind.TRAINABLE).asRouting();
      // 0.01 * (9 + 16) / 2 = 0.125; gamma excluded; the routing kernel adds 0.01 * 4 / 2 = 0.02
      // only when routing parameters are decayed.
      assertEquals(0.125, run.run(Losses.weightDecay(run.tf, List.of(k, g, r), 0.01, false))[0],
          1e-7);
      assertEquals(0.145, run.run(Losses.weightDecay(run.tf, List.of(k, g, r), 0.01, true))[0],
          1e-7);
    }
  }

  @Test
  void clipByGlobalNormScalesOnlyAboveTheLimit() {
    try (TfRun run = new TfRun(1)) {
      // Global norm of [3,4] and [12] is 13.
      List<Operand<TFloat32>> g = List.of(run.tf.constant(new float[] {3f, 4f}),
          run.tf.constant(new float[] {12f}));
      var clipped = TrainGraph.clipByGlobalNorm(run.tf, g, 6.5);
      AllClose.assertRelClose(new double[] {1.5, 2}, run.run(clipped.get(0)), 1e-6, "clip a");
      AllClose.assertRelClose(new double[] {6}, run.run(clipped.get(1)), 1e-6, "clip b");
      var kept = TrainGraph.clipByGlobalNorm(run.tf, g, 20);
      AllClose.assertRelClose(new double[] {3, 4}, run.run(kept.get(0)), 1e-6, "no clip");
    }
  }

  @Test
  void emaShadowsFollowTheTf1Formula() {
    try (TfRun run = new TfRun(1)) {
      VariableRef w = Variables.create(run.root.child("dense"), "kernel", Shape.of(2),
          (tf, sh, a, b) -> tf.constant(new float[] {1f, -1f}), VariableRef.Kind.TRAINABLE);
      Operand<TFloat32> delta = run.placeholder("delta", Shape.of(2));
      Op step = run.tf.assignAdd(w.variable(), delta);
      Ema ema = Ema.create(run.root, List.of(w), 0.9, List.of(step));
      VariableRef shadow = ema.shadows().get(w);
      assertEquals("dense/kernel/ExponentialMovingAverage", shadow.name());
      AllClose.assertRelClose(new double[] {1, -1}, run.run(shadow.read()), 0, "initial shadow");
      double[] wv = {1, -1}, sv = {1, -1};
      Operand<TFloat32> after = run.tf.withControlDependencies(List.of(ema.update())).identity(shadow.variable());
      for (int n = 1; n <= 6; n++) {
        float[] d = {0.5f * n, -0.25f};
        double decay = Math.min(0.9, (1.0 + n) / (10.0 + n));
        assertEquals(decay, ema.decayAt(n), 1e-15);
        for (int i = 0; i < 2; i++) {
          wv[i] += d[i];
          sv[i] -= (1 - decay) * (sv[i] - wv[i]);
        }
        float[] got = run.run(after, new TfRun.Feed(delta, Shape.of(2), d),
            new TfRun.Feed(ema.decayInput(), Shape.scalar(), new float[] {(float) decay}));
        AllClose.assertRelClose(sv, got, 1e-6, "shadow after step " + n);
      }
    }
  }

  @Test
  void attentionEntropyIsHighAtTemperature30AndLowerAt1() {
    int k = 4;
    try (TfRun run = new TfRun(3)) {
      Operand<TFloat32> t = Temperature.input(run.root, 1f);
      DynamicConv2d layer = DynamicConv2d.create(run.root.child("dyn"),
          DynamicConv2dConfig.of(8, ConvGeometry.of(3), k), 6, t);
      Operand<TFloat32> x = run.placeholder("x", Shape.of(-1, 5, 5, 6));
      Operand<TFloat32> att = layer.routing().route(x);
      layer.apply(x, att, Mode.INFER);
      // Unit-variance weights in the second FC spread the logits over a few units, as trained
      // attention does; softmax(z / 30) of such logits is within 1% of ln K.
      VariableRef fc2 = layer.routing().variables().get(2);
      run.assign(fc2, Rand.normal(4, (int) fc2.size()));
      float[] xv = Rand.uniform(5, 8 * 25 * 6, 0, 3);
      double h30 = entropy(run.run(att, new TfRun.Feed(x, Shape.of(8, 5, 5, 6), xv),
          new TfRun.Feed(t, Shape.scalar(), new float[] {30f})), k);
      double h1 = entropy(run.run(att, new TfRun.Feed(x, Shape.of(8, 5, 5, 6), xv),
          new TfRun.Feed(t, Shape.scalar(), new float[] {1f})), k);
      assertTrue(h30 > 0.99 * Math.log(k), "near-uniform at T=30: " + h30);
      assertTrue(h1 < 0.9 * h30, "sharper at T=1: " + h1 + " vs " + h30);
    }
  }

  private static double entropy(float[] p, int k) {
    double h = 0;
    for (float v : p) {
      h -= v * Math.log(v);
    }
    return h / (p.length / k);
  }
}

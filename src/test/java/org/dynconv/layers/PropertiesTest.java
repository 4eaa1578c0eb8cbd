package org.dynconv.layers;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Mathematical properties checked against TensorFlow's own Conv2D on the expert kernels (not
 * dynconv code): one-hot routing selects an expert, one expert with weight 1 is a plain conv, and
 * without bias or activation the output is linear in the routing weights.
 */
class PropertiesTest {
  static final int B = 3, H = 7, W = 6, CIN = 4, COUT = 5, E = 4;
  static final ConvGeometry G = ConvGeometry.square(3, 2, 1, Padding.SAME);

  private static float[] oneHot(int expert) {
    float[] r = new float[B * E];
    for (int b = 0; b < B; b++) {
      r[b * E + expert] = 1f;
    }
    return r;
  }

  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"AUTO", "GROUPED", "DEPTHWISE_FOLD", "LOOP"})
  void oneHotRoutingEqualsPlainConvWithThatExpert(Strategy st) {
    float[] x = Rand.normal(1, B * H * W * CIN);
    try (TfRun run = new TfRun(3)) {
      var tf = run.tf;
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(B, E));
      CondConv2d layer = CondConv2d.create(run.root.child("cc"),
          CondConv2dConfig.of(COUT, G, E).withBias(false).withStrategy(st), CIN);
      Operand<TFloat32> y = layer.apply(xIn, rIn, Mode.TRAIN);
      for (int e = 0; e < E; e++) {
        Operand<TFloat32> row = tf.slice(layer.experts().kernel().read(),
            tf.constant(new long[] {e, 0}), tf.constant(new long[] {1, -1}));
        Operand<TFloat32> kernel = tf.reshape(row, tf.constant(new long[] {3, 3, CIN, COUT}));
        Operand<TFloat32> plain = tf.nn.conv2d(xIn, kernel, List.of(1L, 2L, 2L, 1L), "SAME");
        List<float[]> out = run.run(List.of(y, plain),
            new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x),
            new TfRun.Feed(rIn, Shape.of(B, E), oneHot(e)));
        AllClose.assertRelClose(AllClose.toDouble(out.get(1)), out.get(0), 1e-5, "expert " + e);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"AUTO", "GROUPED", "DEPTHWISE_FOLD", "LOOP"})
  void singleExpertWithWeightOneEqualsConv2d(Strategy st) {
    float[] x = Rand.normal(2, B * H * W * CIN);
    float[] ones = {1f, 1f, 1f};
    try (TfRun run = new TfRun(4)) {
      var tf = run.tf;
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(B, 1));
      CondConv2d layer = CondConv2d.create(run.root.child("cc"),
          CondConv2dConfig.of(COUT, G, 1).withBias(false).withStrategy(st), CIN);
      Operand<TFloat32> y = layer.apply(xIn, rIn, Mode.TRAIN);
      Operand<TFloat32> kernel = tf.reshape(layer.experts().kernel().read(),
          tf.constant(new long[] {3, 3, CIN, COUT}));
      Operand<TFloat32> plain = tf.nn.conv2d(xIn, kernel, List.of(1L, 2L, 2L, 1L), "SAME");
      List<float[]> out = run.run(List.of(y, plain), new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x),
          new TfRun.Feed(rIn, Shape.of(B, 1), ones));
      AllClose.assertRelClose(AllClose.toDouble(out.get(1)), out.get(0), 1e-5, "E=1");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"AUTO", "GROUPED", "DEPTHWISE_FOLD", "LOOP"})
  void outputIsLinearInRoutingWeights(Strategy st) {
    float[] x = Rand.normal(5, B * H * W * CIN);
    float[] r1 = Rand.uniform(6, B * E, -1, 1);
    float[] r2 = Rand.uniform(7, B * E, -1, 1);
    float a = 0.7f, b = -1.3f;
    float[] mixed = new float[B * E];
    for (int i = 0; i < mixed.length; i++) {
      mixed[i] = a * r1[i] + b * r2[i];
    }
    try (TfRun run = new TfRun(5)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(B, E));
      CondConv2d layer = CondConv2d.create(run.root.child("cc"),
          CondConv2dConfig.of(COUT, G, E).withBias(false).withStrategy(st), CIN);
      Operand<TFloat32> y = layer.apply(xIn, rIn, Mode.TRAIN);
      TfRun.Feed xf = new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x);
      float[] y1 = run.run(y, xf, new TfRun.Feed(rIn, Shape.of(B, E), r1));
      float[] y2 = run.run(y, xf, new TfRun.Feed(rIn, Shape.of(B, E), r2));
      float[] ym = run.run(y, xf, new TfRun.Feed(rIn, Shape.of(B, E), mixed));
      double[] expected = new double[y1.length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = a * (double) y1[i] + b * (double) y2[i];
      }
      AllClose.assertRelClose(expected, ym, 1e-5, "linearity");
    }
  }
}

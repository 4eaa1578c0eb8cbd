package org.dynconv.layers;

import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The test vector of Google's {@code condconv_layers_test.py}: all-ones input (3x3, one channel),
 * all-ones 3x3 kernels and biases for both experts, routing {@code [[0.7, 0.2], [10, 17]]}. Each
 * example equals its routing sum (0.9 and 27) times a single convolution plus bias. A 3x3 ones
 * kernel over a 3x3 ones input with SAME padding counts the in-bounds taps: 4 at the corners, 6
 * on the edges, 9 in the centre; plus bias 1 that is 5, 7, 10.
 */
class GoogleTestVectorTest {
  static final double[] SINGLE = {5, 7, 5, 7, 10, 7, 5, 7, 5};

  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"AUTO", "GROUPED", "DEPTHWISE_FOLD", "LOOP"})
  void condConvScalesBySumOfRouting(Strategy st) {
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> x = run.tf.ones(run.tf.constant(Shape.of(2, 3, 3, 1)), TFloat32.class);
      Operand<TFloat32> r = run.tf.constant(new float[][] {{0.7f, 0.2f}, {10f, 17f}});
      CondConv2d layer = CondConv2d.create(run.root.child("cond_conv2d"),
          CondConv2dConfig.of(1, ConvGeometry.square(3, 1, 1, Padding.SAME), 2).withStrategy(st), 1);
      run.assign(layer.experts().kernel(), new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1,
          1, 1, 1, 1, 1, 1, 1, 1, 1});
      run.assign(layer.experts().bias(), new float[] {1, 1});
      float[] y = run.run(layer.apply(x, r, Mode.TRAIN));
      AllClose.assertRelClose(expected(), y, 1e-6, "CondConv2d " + st);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"AUTO", "GROUPED", "DEPTHWISE_FOLD", "LOOP"})
  void depthwiseCondConvScalesBySumOfRouting(Strategy st) {
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> x = run.tf.ones(run.tf.constant(Shape.of(2, 3, 3, 1)), TFloat32.class);
      Operand<TFloat32> r = run.tf.constant(new float[][] {{0.7f, 0.2f}, {10f, 17f}});
      CondConv2d layer = CondConv2d.create(run.root.child("depthwise_cond_conv2d"),
          CondConv2dConfig.depthwise(ConvGeometry.square(3, 1, 1, Padding.SAME), 2)
              .withStrategy(st), 1);
      run.assign(layer.experts().kernel(), new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1,
          1, 1, 1, 1, 1, 1, 1, 1, 1});
      run.assign(layer.experts().bias(), new float[] {1, 1});
      float[] y = run.run(layer.apply(x, r, Mode.TRAIN));
      AllClose.assertRelClose(expected(), y, 1e-6, "CondConv2d " + st);
    }
  }

  private static double[] expected() {
    double[] out = new double[18];
    for (int i = 0; i < 9; i++) {
      out[i] = 0.9 * SINGLE[i];
      out[9 + i] = 27 * SINGLE[i];
    }
    return out;
  }
}

package org.dynconv.layers;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.routing.OdAttentionConfig;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.RandomWeights;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Properties of DCD and ODConv that follow from their formulas, checked against TensorFlow's own
 * convolution ops built in the test:
 *
 * <ul>
 *   <li>DCD with Phi = 0 and lambda = 1 is {@code conv(x; W0) + P BN1(Q x)};
 *   <li>ODConv with n = 1 and every attention equal to 1 is a static convolution;
 *   <li>ODConv with n kernels and a one-hot kernel attention is the n = 1 layer of that kernel.
 * </ul>
 */
class FamilyPropertiesTest {
  static final int B = 3, H = 7, W = 6, CIN = OdConv2dTest.CIN, COUT = OdConv2dTest.COUT;
  static final BatchNormConfig BN = new BatchNormConfig(0.9, 1e-3);
  static final OdAttentionConfig ATT = new OdAttentionConfig(0.5, 3);

  @Test
  void dcdWithoutDynamicPartIsStaticPlusLowRank() {
    ConvGeometry g = ConvGeometry.square(3, 1, 1, Padding.SAME);
    int l = 2, s = 4;
    float[] x = Rand.normal(1, B * H * W * CIN);
    try (TfRun run = new TfRun(1)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      DcdConv2d layer = DcdConv2d.create(run.root.child("dcd"),
          new DcdConv2dConfig(COUT, g, l, s, 2, BN), CIN);
      Operand<TFloat32> train = layer.apply(xIn, Mode.TRAIN).output();
      Operand<TFloat32> infer = layer.apply(xIn, Mode.INFER).output();
      RandomWeights w = RandomWeights.assign(run, "dcd", layer.variables(), 3, 0.5);
      List<VariableRef> vars = layer.variables();
      // Phi = 0 (fc_phi zero); lambda = hs(0) = 1 (fc_scale zero); BN2 of zeros is its beta: 0.
      w.set(run, "dcd", vars, "fc_phi/kernel", new float[s * l * l]);
      w.set(run, "dcd", vars, "fc_scale/kernel", new float[s * COUT]);
      w.set(run, "dcd", vars, "phi_batch_normalization/beta", new float[l]);
      w.set(run, "dcd", vars, "phi_batch_normalization/moving_mean", new float[l]);
      Ops tf = run.tf;
      Operand<TFloat32> w0 = constant(tf, w.get("kernel"), Shape.of(3, 3, CIN, COUT));
      Operand<TFloat32> q = constant(tf, w.get("q/kernel"), Shape.of(1, 1, CIN, l));
      Operand<TFloat32> p = constant(tf, w.get("p/kernel"), Shape.of(1, 1, l, COUT));
      List<Long> ones = List.of(1L, 1L, 1L, 1L);
      Operand<TFloat32> r = tf.nn.conv2d(xIn, w0, ones, "SAME");
      Operand<TFloat32> z = tf.nn.conv2d(xIn, q, ones, "SAME");
      var bn1 = w.bn("q_batch_normalization", BN.epsilon());
      Operand<TFloat32> gamma = constant(tf, bn1.gamma(), Shape.of(l));
      Operand<TFloat32> beta = constant(tf, bn1.beta(), Shape.of(l));
      Operand<TFloat32> mean = tf.math.mean(z, tf.constant(new int[] {0, 1, 2}));
      Operand<TFloat32> var = tf.math.mean(tf.math.square(tf.math.sub(z, mean)),
          tf.constant(new int[] {0, 1, 2}));
      Operand<TFloat32> zTrain = normalise(tf, z, mean, var, gamma, beta);
      Operand<TFloat32> zInfer = normalise(tf, z, constant(tf, bn1.mean(), Shape.of(l)),
          constant(tf, bn1.variance(), Shape.of(l)), gamma, beta);
      Operand<TFloat32> expTrain = tf.math.add(r, tf.nn.conv2d(zTrain, p, ones, "SAME"));
      Operand<TFloat32> expInfer = tf.math.add(r, tf.nn.conv2d(zInfer, p, ones, "SAME"));
      List<float[]> got = run.run(List.of(train, infer, expTrain, expInfer),
          new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x));
      AllClose.assertRelClose(AllClose.toDouble(got.get(2)), got.get(0), 1e-5, "TRAIN");
      AllClose.assertRelClose(AllClose.toDouble(got.get(3)), got.get(1), 1e-5, "INFER");
    }
  }

  @Test
  void odconvWithUnitAttentionIsStaticConvolution() {
    for (boolean dw : new boolean[] {false, true}) {
      for (ConvGeometry g : new ConvGeometry[] {ConvGeometry.square(3, 2, 1, Padding.SAME),
          ConvGeometry.square(1, 1, 1, Padding.SAME), ConvGeometry.square(5, 1, 1, Padding.VALID)}) {
        for (Strategy st : g.isPointwise() ? List.of(Strategy.AUTO)
            : List.of(Strategy.AUTO, Strategy.TAPS, Strategy.LOOP)) {
          unitAttention(dw, g, st);
        }
      }
    }
  }

  private static void unitAttention(boolean dw, ConvGeometry g, Strategy st) {
    float[] x = Rand.normal(2, B * H * W * CIN);
    int k = g.kernelH();
    try (TfRun run = new TfRun(2)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      OdConv2dTest.Layer layer = OdConv2dTest.Layer.create(run.root.child("od"), dw, g, 1, st,
          run.tf.constant(1f));
      Operand<TFloat32> y = layer.apply(xIn, Mode.INFER);
      RandomWeights w = RandomWeights.assign(run, "od", layer.variables(), 4, 0.5);
      // Every head: kernel 0, bias 60, so sigmoid(60) = 1 in float32.
      for (String head : new String[] {"channel_fc", "filter_fc", "spatial_fc"}) {
        double[] kernel = w.get("attention/" + head + "/kernel");
        if (kernel != null) {
          int units = w.get("attention/" + head + "/bias").length;
          w.set(run, "od", layer.variables(), "attention/" + head + "/kernel",
              new float[kernel.length]);
          float[] bias = new float[units];
          java.util.Arrays.fill(bias, 60f);
          w.set(run, "od", layer.variables(), "attention/" + head + "/bias", bias);
        }
      }
      int m = dw ? OdConv2dTest.MULT : COUT;
      Operand<TFloat32> kernel = constant(run.tf, w.get(dw ? "depthwise_odconv_kernel"
          : "odconv_kernel"), Shape.of(k, k, CIN, m));
      List<Long> strides = List.of(1L, (long) g.strideH(), (long) g.strideW(), 1L);
      Operand<TFloat32> expected = dw
          ? run.tf.nn.depthwiseConv2dNative(xIn, kernel, strides, g.padding().tfName())
          : run.tf.nn.conv2d(xIn, kernel, strides, g.padding().tfName());
      List<float[]> got = run.run(List.of(y, expected),
          new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x));
      AllClose.assertRelClose(AllClose.toDouble(got.get(1)), got.get(0), 1e-5,
          (dw ? "depthwise " : "") + g + " " + st);
    }
  }

  @Test
  void odconvWithOneHotKernelAttentionIsThatKernelsLayer() {
    for (boolean dw : new boolean[] {false, true}) {
      ConvGeometry g = ConvGeometry.square(3, 1, 1, Padding.SAME);
      int n = 4, chosen = 1;
      float[] x = Rand.normal(3, B * H * W * CIN);
      try (TfRun run = new TfRun(3)) {
        Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
        Operand<TFloat32> t = run.tf.constant(1f);
        OdConv2dTest.Layer many = OdConv2dTest.Layer.create(run.root.child("many"), dw, g, n,
            Strategy.AUTO, t);
        OdConv2dTest.Layer one = OdConv2dTest.Layer.create(run.root.child("one"), dw, g, 1,
            Strategy.AUTO, t);
        Operand<TFloat32> yMany = many.apply(xIn, Mode.TRAIN);
        Operand<TFloat32> yOne = one.apply(xIn, Mode.TRAIN);
        RandomWeights w = RandomWeights.assign(run, "many", many.variables(), 5, 0.5);
        float[] bias = new float[n];
        java.util.Arrays.fill(bias, -60f);
        bias[chosen] = 60f;
        w.set(run, "many", many.variables(), "attention/kernel_fc/bias", bias);
        w.set(run, "many", many.variables(), "attention/kernel_fc/kernel",
            new float[w.get("attention/kernel_fc/kernel").length]);
        RandomWeights copy = RandomWeights.assign(run, "one", one.variables(), 6, 0.5);
        String kernelName = dw ? "depthwise_odconv_kernel" : "odconv_kernel";
        for (VariableRef v : one.variables()) {
          String local = v.name().substring("one/".length());
          double[] src = w.get(local);
          if (local.equals(kernelName)) {
            double[] all = w.get(kernelName);
            int p = all.length / n;
            src = java.util.Arrays.copyOfRange(all, chosen * p, (chosen + 1) * p);
          }
          copy.set(run, "one", one.variables(), local, toFloat(src));
        }
        List<float[]> got = run.run(List.of(yMany, yOne),
            new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x));
        AllClose.assertRelClose(AllClose.toDouble(got.get(1)), got.get(0), 1e-5,
            (dw ? "depthwise" : "regular") + " one-hot kernel " + chosen);
      }
    }
  }

  private static Operand<TFloat32> normalise(Ops tf, Operand<TFloat32> z, Operand<TFloat32> mean,
      Operand<TFloat32> var, Operand<TFloat32> gamma, Operand<TFloat32> beta) {
    Operand<TFloat32> inv = tf.math.rsqrt(tf.math.add(var, tf.constant((float) BN.epsilon())));
    return tf.math.add(tf.math.mul(tf.math.mul(tf.math.sub(z, mean), inv), gamma), beta);
  }

  private static Operand<TFloat32> constant(Ops tf, double[] v, Shape shape) {
    return tf.constant(shape, DataBuffers.of(toFloat(v), true, false));
  }

  private static float[] toFloat(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }
}

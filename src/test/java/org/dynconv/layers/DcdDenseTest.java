package org.dynconv.layers;

import java.util.List;
import java.util.Map;
import org.dynconv.graph.Mode;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.reference.RefDcd;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.RandomWeights;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * DCD's dynamic classifier against the float64 reference ({@link RefDcd#dense}) in training and
 * inference mode at batch 1, 4 and an unknown batch, and its gradients against central finite
 * differences.
 */
class DcdDenseTest {
  static final int C = 6, U = 5, L = 3, S = 4;
  static final BatchNormConfig BN = new BatchNormConfig(0.9, 1e-3);

  @Test
  void matchesReference() {
    for (int b : new int[] {1, 4}) {
      for (boolean dynamic : new boolean[] {false, true}) {
        float[] x = Rand.normal(30 + b, b * C);
        try (TfRun run = new TfRun(8)) {
          Operand<TFloat32> xIn = run.tf.withName("x").placeholder(TFloat32.class,
              org.tensorflow.op.core.Placeholder.shape(Shape.of(dynamic ? -1 : b, C)));
          DcdDense layer = DcdDense.create(run.root.child("head"),
              new DcdDenseConfig(U, L, S, BN), C);
          Operand<TFloat32> train = layer.apply(xIn, Mode.TRAIN).output();
          Operand<TFloat32> infer = layer.apply(xIn, Mode.INFER).output();
          RandomWeights w = RandomWeights.assign(run, "head", layer.variables(), 9, 0.5);
          List<float[]> got = run.run(List.of(train, infer),
              new TfRun.Feed(xIn, Shape.of(b, C), x));
          for (boolean training : new boolean[] {true, false}) {
            double[] expected = RefDcd.dense(AllClose.toDouble(x), b, C, U, L, S, w.get("kernel"),
                w.get("bias"), weights(w.all()), training);
            AllClose.assertRelClose(expected, got.get(training ? 0 : 1), 1e-4,
                (training ? "TRAIN" : "INFER") + " B=" + b + (dynamic ? " unknown batch" : ""));
          }
        }
      }
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    int b = 4;
    try (TfRun run = new TfRun(9)) {
      // [B,1,1,C] for the check's 4-axis loss, reshaped for the layer.
      Operand<TFloat32> x4 = run.placeholder("x", Shape.of(b, 1, 1, C));
      DcdDense layer = DcdDense.create(run.root.child("head"), new DcdDenseConfig(U, L, S, BN), C);
      Operand<TFloat32> y = run.tf.reshape(layer.apply(run.tf.reshape(x4,
          run.tf.constant(new long[] {b, C})), Mode.TRAIN).output(),
          run.tf.constant(new long[] {b, 1, 1, U}));
      FamilyGradientCheck.check(run, "head", layer.variables(), x4, Shape.of(b, 1, 1, C), y,
          p -> RefDcd.dense(p.get("x"), b, C, U, L, S, p.get("kernel"), p.get("bias"),
              weights(p), true), "DcdDense");
    }
  }

  static RefDcd.Weights weights(Map<String, double[]> p) {
    return new RefDcd.Weights(null, p.get("q/kernel"), p.get("p/kernel"), p.get("fc/kernel"),
        p.get("se/kernel"), p.get("fc_scale/kernel"), p.get("fc_phi/kernel"),
        FamilyGradientTest.bn(p, "q_batch_normalization", BN.epsilon()),
        FamilyGradientTest.bn(p, "phi_batch_normalization", BN.epsilon()));
  }
}

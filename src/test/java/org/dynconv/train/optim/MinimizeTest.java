package org.dynconv.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.VariableRef;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.nn.DenseConfig;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * {@link Optimizer#minimize} for a training loop of one's own: one plain SGD step on a dense
 * layer equals {@code w - lr * dL/dw} worked out by hand, momentum slots get TF1's names, a build's
 * BatchNorm updates run with the step, and non-trainable variables are refused by name.
 */
class MinimizeTest {
  @Test
  void oneSgdStepOnADenseLayerIsTheHandComputedUpdate() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(2, 3));
      Operand<TFloat32> y = Layers.dense("fc", DenseConfig.of(2)).call(ctx, x);
      // L = sum(y) = sum_b sum_j (x_b . w_j + c_j): dL/dw[i][j] = sum_b x[b][i], dL/dc[j] = 2.
      Operand<TFloat32> loss = run.tf.reduceSum(y, run.tf.constant(new int[] {0, 1}));
      Optimizer.Update u = new Sgd(0, false).minimize(ctx, loss, run.tf.constant(0.5f));
      assertEquals(List.of(), u.slots());
      VariableRef w = ctx.trainableVariables().get(0), c = ctx.trainableVariables().get(1);
      float[] w0 = {1, 2, 3, 4, 5, 6};
      run.assign(w, w0);
      run.assign(c, new float[] {0.25f, -0.25f});
      float[] xv = {1, 0, 2, -1, 3, 0.5f};
      try (TFloat32 xt = Tensors.of(Shape.of(2, 3), xv)) {
        run.session().runner().addTarget(u.step()).feed(x, xt).run().close();
      }
      float[] w1 = run.run(w.read());
      float[] col = {1 + -1, 0 + 3, 2 + 0.5f};
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 2; j++) {
          assertEquals(w0[i * 2 + j] - 0.5 * col[i], w1[i * 2 + j], 0.0, "w[" + i + "][" + j + "]");
        }
      }
      float[] c1 = run.run(c.read());
      assertEquals(0.25 - 0.5 * 2, c1[0], 0.0);
      assertEquals(-0.25 - 0.5 * 2, c1[1], 0.0);
    }
  }

  @Test
  void momentumSlotsHaveTf1NamesAndBatchNormUpdatesRunWithTheStep() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(4, 3));
      Operand<TFloat32> y = Sequential.of(Layers.dense("fc", DenseConfig.of(2)),
          Layers.batchNorm("bn", new org.dynconv.nn.BatchNormConfig(0.5, 1e-3))).call(ctx, x);
      Operand<TFloat32> loss = run.tf.math.mean(run.tf.math.square(y),
          run.tf.constant(new int[] {0, 1}));
      Optimizer.Update u = new Sgd(0.9, false).minimize(ctx, loss, run.tf.constant(0.1f));
      assertEquals(List.of("net/fc/kernel/Momentum", "net/fc/bias/Momentum",
          "net/bn/gamma/Momentum", "net/bn/beta/Momentum"),
          u.slots().stream().map(VariableRef::name).toList());
      run.session().initialize();
      VariableRef mean = ctx.nonTrainableVariables().get(0);
      assertTrue(mean.name().endsWith("moving_mean"), mean.name());
      float[] before = run.run(mean.read());
      try (TFloat32 xt = Tensors.of(Shape.of(4, 3), new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
          11, 12})) {
        run.session().runner().addTarget(u.step()).feed(x, xt).run().close();
      }
      assertNotEquals(before[0], run.run(mean.read())[0], "the step ran the moving-mean update");
    }
  }

  @Test
  void nonTrainableVariablesAreRefusedByName() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Operand<TFloat32> y = Layers.batchNorm("bn", new org.dynconv.nn.BatchNormConfig(0.5, 1e-3))
          .call(ctx, run.placeholder("x", Shape.of(4, 3)));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new Adam(0.9, 0.999, 1e-8).minimize(run.root, run.tf.math.mean(y,
              run.tf.constant(new int[] {0, 1})), ctx.variables(), run.tf.constant(0.1f)));
      assertEquals("Adam: variable 'net/bn/moving_mean' is MOVING_STATISTIC, which training updates"
          + " by assignment, not by gradients; expected trainable variables only"
          + " (BuildContext.trainableVariables()).", e.getMessage());
    }
  }
}

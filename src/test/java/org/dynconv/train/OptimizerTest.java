package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializer;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.TfRun;
import org.dynconv.train.optim.Adam;
import org.dynconv.train.optim.GradAndVar;
import org.dynconv.train.optim.Optimizer;
import org.dynconv.train.optim.RmsProp;
import org.dynconv.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Each optimizer's update against its formula written out in double precision, over six steps,
 * on {@code loss = sum(c * w^2) / 2} (gradient {@code c * w}), with the learning rate fed per
 * step. The variable has a scoped name, which the framework's slot optimizers reject.
 */
class OptimizerTest {
  static final double[] W0 = {1.0, -2.0, 0.5, 3.0};
  static final double[] C = {1.0, 0.5, 2.0, 0.1};
  static final double[] LR = {0.1, 0.05, 0.2, 0.1, 0.02, 0.1};

  /** The formula for one step: updates w (and the state arrays) in place given gradient g. */
  interface Formula {
    void step(double[] w, double[] g, double lr, int t);
  }

  private static void check(Optimizer opt, Formula f, List<String> slotNames) {
    try (TfRun run = new TfRun(1)) {
      LayerScope scope = run.root.child("blocks_3").child("conv2d");
      Initializer init = (tf, shape, s1, s2) -> tf.constant(toFloat(W0));
      VariableRef w = Variables.create(scope, "kernel", Shape.of(4), init, VariableRef.Kind.TRAINABLE);
      Operand<TFloat32> c = run.tf.constant(toFloat(C));
      Operand<TFloat32> lr = run.placeholder("lr", Shape.scalar());
      Operand<TFloat32> grad = run.tf.math.mul(c, w.read());
      Optimizer.Update u = opt.apply(run.root, List.of(new GradAndVar(grad, w)), lr);
      assertEquals(slotNames, u.slots().stream().map(VariableRef::name).toList());
      Operand<TFloat32> after = run.tf.withControlDependencies(List.of(u.step())).identity(w.variable());
      double[] expected = W0.clone();
      for (int t = 0; t < LR.length; t++) {
        double[] g = new double[4];
        for (int i = 0; i < 4; i++) {
          g[i] = C[i] * expected[i];
        }
        f.step(expected, g, LR[t], t + 1);
        float[] got = run.run(after, new TfRun.Feed(lr, Shape.scalar(), new float[] {(float) LR[t]}));
        AllClose.assertRelClose(expected, got, 2e-6, opt.name() + " step " + (t + 1));
      }
    }
  }

  @Test
  void plainSgd() {
    check(new Sgd(0, false), (w, g, lr, t) -> {
      for (int i = 0; i < 4; i++) {
        w[i] -= lr * g[i];
      }
    }, List.of());
  }

  @Test
  void momentum() {
    double[] a = new double[4];
    check(new Sgd(0.9, false), (w, g, lr, t) -> {
      for (int i = 0; i < 4; i++) {
        a[i] = 0.9 * a[i] + g[i];
        w[i] -= lr * a[i];
      }
    }, List.of("blocks_3/conv2d/kernel/Momentum"));
  }

  @Test
  void nesterov() {
    double[] a = new double[4];
    check(new Sgd(0.9, true), (w, g, lr, t) -> {
      for (int i = 0; i < 4; i++) {
        a[i] = 0.9 * a[i] + g[i];
        w[i] -= lr * (g[i] + 0.9 * a[i]);
      }
    }, List.of("blocks_3/conv2d/kernel/Momentum"));
  }

  @Test
  void adam() {
    double[] m = new double[4], v = new double[4];
    check(new Adam(0.9, 0.999, 1e-8), (w, g, lr, t) -> {
      double alpha = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
      for (int i = 0; i < 4; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        w[i] -= alpha * m[i] / (Math.sqrt(v[i]) + 1e-8);
      }
    }, List.of("beta1_power", "beta2_power", "blocks_3/conv2d/kernel/Adam",
        "blocks_3/conv2d/kernel/Adam_1"));
  }

  @Test
  void rmsProp() {
    double[] ms = {1, 1, 1, 1}, mom = new double[4];
    check(new RmsProp(0.9, 0.9, 1e-3), (w, g, lr, t) -> {
      for (int i = 0; i < 4; i++) {
        ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
        mom[i] = 0.9 * mom[i] + lr * g[i] / Math.sqrt(ms[i] + 1e-3);
        w[i] -= mom[i];
      }
    }, List.of("blocks_3/conv2d/kernel/RMSProp", "blocks_3/conv2d/kernel/RMSProp_1"));
  }

  static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}

package org.dynconv.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.dynconv.graph.VariableRef;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.RandomWeights;
import org.dynconv.testing.TfRun;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * Gradients of {@code loss = sum(c * y)} (c fixed random) of a layer in training mode with respect
 * to its input and every trainable variable, against central finite differences of a float64
 * reference of the same loss. The reference receives the input under the key {@code "x"} and
 * every variable under its name relative to the layer's scope.
 */
final class FamilyGradientCheck {
  static final double EPS = 1e-4;
  static final double RTOL = 2e-3;
  static final int PROBES = 6;

  private FamilyGradientCheck() {}

  /**
   * @param y the layer's TRAIN output for {@code x}
   * @param reference the layer's output in float64 from the parameters
   */
  static void check(TfRun run, String layerScope, List<VariableRef> vars, Operand<TFloat32> xIn,
      Shape xShape, Operand<TFloat32> y, java.util.function.Function<Map<String, double[]>,
      double[]> reference, String what) {
    float[] x = Rand.normal(41, (int) xShape.size());
    RandomWeights w = RandomWeights.assign(run, layerScope, vars, 23, 0.5);
    long[] ys = y.shape().asArray();
    ys[0] = xShape.size(0);
    float[] c = Rand.normal(9, (int) Shape.of(ys).size());
    Operand<TFloat32> cConst = run.tf.constant(Shape.of(ys), DataBuffers.of(c, true, false));
    Operand<TFloat32> loss = run.tf.reduceSum(run.tf.math.mul(cConst, y),
        run.tf.constant(new int[] {0, 1, 2, 3}));
    List<VariableRef> trainable = vars.stream().filter(VariableRef::trainable).toList();
    List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(xIn));
    trainable.forEach(v -> wrt.add(v.read()));
    Gradients grads = run.tf.gradients(loss, wrt);
    List<Operand<TFloat32>> fetches = new ArrayList<>();
    for (int i = 0; i < wrt.size(); i++) {
      fetches.add(grads.dy(i));
    }
    List<float[]> analytic = run.run(fetches, new TfRun.Feed(xIn, xShape, x));

    Map<String, double[]> params = new LinkedHashMap<>(w.all());
    params.put("x", AllClose.toDouble(x));
    double[] cd = AllClose.toDouble(c);
    ToDoubleFunction<Map<String, double[]>> refLoss = ps -> {
      double[] out = reference.apply(ps);
      double l = 0;
      for (int i = 0; i < out.length; i++) {
        l += cd[i] * out[i];
      }
      return l;
    };
    List<String> names = new ArrayList<>(List.of("x"));
    trainable.forEach(v -> names.add(v.name().substring(layerScope.length() + 1)));
    SplittableRandom pick = new SplittableRandom(17);
    for (int t = 0; t < names.size(); t++) {
      double[] p = params.get(names.get(t));
      double[] fd = new double[PROBES];
      double[] an = new double[PROBES];
      for (int j = 0; j < PROBES; j++) {
        int idx = pick.nextInt(p.length);
        double orig = p[idx];
        p[idx] = orig + EPS;
        double lp = refLoss.applyAsDouble(params);
        p[idx] = orig - EPS;
        double lm = refLoss.applyAsDouble(params);
        p[idx] = orig;
        fd[j] = (lp - lm) / (2 * EPS);
        an[j] = analytic.get(t)[idx];
      }
      AllClose.assertRelClose(fd, an, RTOL, what + " d/d" + names.get(t));
    }
  }
}

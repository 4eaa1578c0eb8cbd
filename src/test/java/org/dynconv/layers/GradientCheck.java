package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.reference.RefCondConv;
import org.dynconv.routing.SigmoidRouting;
import org.dynconv.routing.SoftmaxRoutingConfig;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * Gradients of {@code loss = sum(c * y)} (c fixed random) with respect to the input, the experts,
 * the expert biases and the routing variables, against central finite differences of the float64
 * reference. The routing is part of the chain (sigmoid routing for CondConv, temperature softmax
 * for DynamicConv), so the whole layer is differentiated.
 */
final class GradientCheck {
  static final int H = 6, W = 5, CIN = 3, E = 4;
  static final double EPS = 1e-4;
  static final double RTOL = 2e-3;
  static final int PROBES = 6;

  private GradientCheck() {}

  /**
   * Builds the layer ({@code kind} = condconv, depthwise or dynamic) with routing, differentiates
   * {@code sum(c * y)} and compares with finite differences of the reference; throws
   * AssertionError on a mismatch.
   *
   * @param dynamicBatch build the graph with an unknown batch dimension
   */
  static void check(String kind, ConvGeometry g, Strategy st, boolean dynamicBatch) {
    // FUSED is the batch-1 path; the others see three examples.
    final int B = st == Strategy.FUSED ? 1 : 3;
    boolean depthwise = kind.equals("depthwise");
    int kout = depthwise ? 2 : 4;
    RefCondConv.Spec spec = new RefCondConv.Spec(depthwise, B, H, W, CIN, kout, g.kernelH(),
        g.strideH(), g.dilationH(), g.padding() == Padding.SAME, E);
    float[] x = Rand.normal(1, B * H * W * CIN);
    float temperature = 2f;
    try (TfRun run = new TfRun(7)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(dynamicBatch ? -1 : B, H, W, CIN));
      var scope = run.root.child("layer");
      List<VariableRef> routingVars;
      ExpertBank bank;
      Operand<TFloat32> y;
      if (kind.equals("dynamic")) {
        var layer = DynamicConv2d.create(scope,
            DynamicConv2dConfig.of(kout, g, E).withRouting(new SoftmaxRoutingConfig(E, 1, 2))
                .withTemperature(temperature).withStrategy(st), CIN);
        y = layer.apply(xIn, Mode.TRAIN);
        routingVars = layer.routing().variables();
        bank = layer.experts();
      } else {
        SigmoidRouting routing = SigmoidRouting.create(run.root.child("dense"), E, CIN);
        Operand<TFloat32> r = routing.route(xIn);
        routingVars = routing.variables();
        if (depthwise) {
          var layer = CondConv2d.create(scope,
              CondConv2dConfig.depthwise(g, E).withMultiplier(kout).withStrategy(st), CIN);
          y = layer.apply(xIn, r, Mode.TRAIN);
          bank = layer.experts();
        } else {
          var layer = CondConv2d.create(scope, CondConv2dConfig.of(kout, g, E).withStrategy(st), CIN);
          y = layer.apply(xIn, r, Mode.TRAIN);
          bank = layer.experts();
        }
      }
      run.assign(bank.bias(), Rand.normal(3, (int) bank.bias().size()));
      for (VariableRef v : routingVars) {
        if (v.shape().numDimensions() == 1) {
          run.assign(v, Rand.normal(v.name().hashCode(), (int) v.size()));
        }
      }
      Shape yShape = Shape.of(B, y.shape().size(1), y.shape().size(2), y.shape().size(3));
      float[] c = Rand.normal(9, (int) yShape.size());
      Operand<TFloat32> cConst = run.tf.constant(yShape,
          org.tensorflow.ndarray.buffer.DataBuffers.of(c, true, false));
      Operand<TFloat32> loss = run.tf.reduceSum(run.tf.math.mul(cConst, y),
          run.tf.constant(new int[] {0, 1, 2, 3}));
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(xIn, bank.kernel().read(),
          bank.bias().read()));
      routingVars.forEach(v -> wrt.add(v.read()));
      Gradients grads = run.tf.gradients(loss, wrt);
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      for (int i = 0; i < wrt.size(); i++) {
        fetches.add(grads.dy(i));
      }
      List<float[]> analytic = run.run(fetches, new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x));

      // Parameter values as doubles, in the order of wrt.
      List<double[]> params = new ArrayList<>();
      params.add(AllClose.toDouble(x));
      params.add(run.value(bank.kernel()));
      params.add(run.value(bank.bias()));
      routingVars.forEach(v -> params.add(run.value(v)));
      double[] cd = AllClose.toDouble(c);
      ToDoubleFunction<List<double[]>> refLoss = ps -> {
        double[] r = kind.equals("dynamic")
            ? RefCondConv.softmaxRouting(ps.get(0), B, H, W, CIN, ps.get(3), ps.get(4),
                (int) routingVars.get(0).shape().size(1), ps.get(5), ps.get(6), E, temperature)
            : RefCondConv.sigmoidRouting(ps.get(0), B, H, W, CIN, ps.get(3), ps.get(4), E);
        double[] out = RefCondConv.forward(spec, ps.get(0), r, ps.get(1), ps.get(2));
        double l = 0;
        for (int i = 0; i < out.length; i++) {
          l += cd[i] * out[i];
        }
        return l;
      };
      SplittableRandom pick = new SplittableRandom(17);
      for (int t = 0; t < params.size(); t++) {
        double[] p = params.get(t);
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
        String what = kind + " " + st + " d/d" + (t == 0 ? "x" : wrt.get(t).op().name());
        AllClose.assertRelClose(fd, an, RTOL, what);
      }
    }
  }
}

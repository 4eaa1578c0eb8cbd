package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.reference.RefCondConv;
import org.dynconv.routing.SoftmaxRoutingConfig;
import org.dynconv.routing.Temperature;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** One graph with an unknown batch dimension, run at B = 1, 3 and 7 for every dynamic strategy. */
class DynamicBatchTest {
  static final int H = 8, W = 7, CIN = 3, COUT = 4, E = 4;

  /**
   * In an inference graph AUTO adds the batch-1 branch (FUSED, chosen by a Switch at run time),
   * so both modes are checked.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Mode.class)
  void oneGraphServesBatchOneThreeSeven(Mode mode) {
    List<Strategy> strategies = new java.util.ArrayList<>(
        List.of(Strategy.AUTO, Strategy.GROUPED, Strategy.DEPTHWISE_FOLD, Strategy.BATCHED_MATMUL));
    if (org.dynconv.conv.kernels.KernelLibrary.available()) {
      strategies.add(Strategy.KERNEL);
    }
    try (TfRun run = new TfRun(8)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(-1, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(-1, E));
      List<Operand<TFloat32>> outs = new ArrayList<>();
      List<ExpertBank> banks = new ArrayList<>();
      List<RefCondConv.Spec> specs = new ArrayList<>();
      for (Strategy st : strategies) {
        int k = st == Strategy.BATCHED_MATMUL ? 1 : 3;
        ConvGeometry g = ConvGeometry.square(k, 2, 1, Padding.SAME);
        CondConv2d cc = CondConv2d.create(run.root.child("cc_" + st.name().toLowerCase()),
            CondConv2dConfig.of(COUT, g, E).withStrategy(st), CIN);
        outs.add(cc.apply(xIn, rIn, mode));
        banks.add(cc.experts());
        specs.add(new RefCondConv.Spec(false, 0, H, W, CIN, COUT, k, 2, 1, true, E));
        CondConv2d dw = CondConv2d.create(
            run.root.child("dw_" + st.name().toLowerCase()),
            CondConv2dConfig.depthwise(g, E).withMultiplier(2).withStrategy(st), CIN);
        outs.add(dw.apply(xIn, rIn, mode));
        banks.add(dw.experts());
        specs.add(new RefCondConv.Spec(true, 0, H, W, CIN, 2, k, 2, 1, true, E));
      }
      for (ExpertBank bank : banks) {
        run.assign(bank.bias(), Rand.normal(bank.bias().name().hashCode(), (int) bank.bias().size()));
      }
      for (int b : new int[] {1, 3, 7}) {
        float[] x = Rand.normal(b, b * H * W * CIN);
        float[] r = Rand.uniform(b + 100, b * E, 0, 1);
        List<float[]> got = run.run(outs, new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x),
            new TfRun.Feed(rIn, Shape.of(b, E), r));
        for (int i = 0; i < outs.size(); i++) {
          RefCondConv.Spec s = specs.get(i);
          RefCondConv.Spec sb = new RefCondConv.Spec(s.depthwise(), b, s.h(), s.w(), s.cin(),
              s.kout(), s.k(), s.s(), s.d(), s.same(), s.experts());
          double[] expected = RefCondConv.forward(sb, AllClose.toDouble(x), AllClose.toDouble(r),
              run.value(banks.get(i).kernel()), run.value(banks.get(i).bias()));
          AllClose.assertRelClose(expected, got.get(i), 1e-4, outs.get(i).op().name() + " B=" + b);
        }
      }
    }
  }

  @Test
  void loopRefusesUnknownBatchNamingTheLayer() {
    try (TfRun run = new TfRun(8)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(-1, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(-1, E));
      CondConv2d cc = CondConv2d.create(run.root.child("blocks_1").child("cond_conv2d"),
          CondConv2dConfig.of(COUT, ConvGeometry.of(3), E).withStrategy(Strategy.LOOP), CIN);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> cc.apply(xIn, rIn, Mode.TRAIN));
      assertEquals("CondConv2d 'blocks_1/cond_conv2d': strategy LOOP cannot compute this layer: it"
          + " needs a static batch dimension, got an unknown one (input [-1, 8, 7, 3]).",
          e.getMessage());
    }
  }

  @Test
  void dynamicConvMatchesReferenceAtSeveralTemperatures() {
    SoftmaxRoutingConfig rc = new SoftmaxRoutingConfig(E, 2, 2);
    try (TfRun run = new TfRun(9)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(-1, H, W, CIN));
      Operand<TFloat32> t = Temperature.input(run.root, 1f);
      DynamicConv2d layer = DynamicConv2d.create(run.root.child("dyn"),
          DynamicConv2dConfig.of(COUT, ConvGeometry.of(3), E).withRouting(rc), CIN, t);
      Operand<TFloat32> y = layer.apply(xIn, Mode.INFER);
      Operand<TFloat32> att = layer.routing().route(xIn);
      var vs = layer.variables();
      run.assign(layer.experts().bias(), Rand.normal(4, E * COUT));
      for (var v : vs.subList(2, vs.size())) {
        if (v.shape().numDimensions() == 1) {
          run.assign(v, Rand.normal(v.name().hashCode(), (int) v.size()));
        }
      }
      int b = 3;
      float[] x = Rand.normal(12, b * H * W * CIN);
      double[] xd = AllClose.toDouble(x);
      for (float temp : new float[] {30f, 1f, 0.5f}) {
        List<float[]> got = run.run(List.of(y, att), new TfRun.Feed(xIn, Shape.of(b, H, W, CIN), x),
            new TfRun.Feed(t, Shape.scalar(), new float[] {temp}));
        double[] pi = RefCondConv.softmaxRouting(xd, b, H, W, CIN, run.value(vs.get(2)),
            run.value(vs.get(3)), rc.hidden(CIN), run.value(vs.get(4)), run.value(vs.get(5)), E, temp);
        AllClose.assertRelClose(pi, got.get(1), 1e-5, "attention T=" + temp);
        double[] expected = RefCondConv.forward(
            new RefCondConv.Spec(false, b, H, W, CIN, COUT, 3, 1, 1, true, E), xd, pi,
            run.value(layer.experts().kernel()), run.value(layer.experts().bias()));
        AllClose.assertRelClose(expected, got.get(0), 1e-4, "DynamicConv2d T=" + temp);
        for (int i = 0; i < b; i++) {
          double sum = 0;
          for (int k = 0; k < E; k++) {
            sum += got.get(1)[i * E + k];
          }
          assertTrue(Math.abs(sum - 1) < 1e-5, "attention sums to 1, got " + sum);
        }
      }
    }
  }
}

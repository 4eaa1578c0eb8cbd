package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;
import org.dynconv.reference.RefCondConv;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The layer API: layers take their input channels from the static shape, report what they create
 * to the build context (checked against hand-counted names, shapes and multiply-adds), share
 * weights when called twice in one build, share routing inside a SharedRouting block, and compute
 * what the float64 references compute.
 */
class LayerApiTest {
  static final int B = 2, H = 8, W = 8, C = 3;

  private static Map<String, Shape> shapes(List<VariableRef> vs) {
    return vs.stream().collect(Collectors.toMap(VariableRef::name, VariableRef::shape,
        (a, b) -> a, LinkedHashMap::new));
  }

  @Test
  void aSequentialReportsEveryVariableUpdateRoutingAndMultiplyAdd() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(B, H, W, C));
      Layer net = Sequential.of(
          Layers.conv2d("stem", Conv2dConfig.of(4, ConvGeometry.of(3)).withBias(false)),
          Layers.batchNorm("bn", new BatchNormConfig(0.9, 1e-3)),
          Layers.activation(Activation.RELU),
          Layers.condConv2d("cond", CondConv2dConfig.of(6, ConvGeometry.of(3).withStride(2), 3)),
          Layers.dynamicConv2d("dyn", DynamicConv2dConfig.of(5, ConvGeometry.of(1), 2)),
          Layers.globalAvgPool(),
          Layers.dense("head", DenseConfig.of(7)));
      Operand<TFloat32> y = net.call(ctx, x);
      assertEquals(Shape.of(B, 7), y.shape());

      Map<String, Shape> vs = shapes(ctx.variables());
      assertEquals(Shape.of(3, 3, 3, 4), vs.get("net/stem/kernel"));
      assertEquals(Shape.of(4), vs.get("net/bn/moving_mean"));
      assertEquals(Shape.of(3, 3 * 3 * 4 * 6), vs.get("net/cond/condconv_kernel"));
      assertEquals(Shape.of(3, 6), vs.get("net/cond/condconv_bias"));
      assertEquals(Shape.of(4, 3), vs.get("net/cond/routing/kernel"));
      assertEquals(Shape.of(3), vs.get("net/cond/routing/bias"));
      assertEquals(Shape.of(2, 6 * 5), vs.get("net/dyn/dynamic_kernel"));
      assertEquals(Shape.of(5, 7), vs.get("net/head/kernel"));
      assertTrue(ctx.trainableVariables().stream().noneMatch(v -> v.name().contains("moving")));
      assertEquals(2, ctx.nonTrainableVariables().size(), "BatchNorm's moving mean and variance");
      assertEquals(2, ctx.updates().size(), "BatchNorm's two moving-average updates in TRAIN");
      assertEquals(List.of("net/cond", "net/dyn"),
          List.copyOf(ctx.routingOutputs().routing().keySet()));

      // Multiply-adds per example, counted by hand: stem 8x8 positions * 3*3*3 * 4; CondConv 4x4
      // positions * 3*3*4 * 6, mixing 3 experts * (216 + 6) scalars, routing 8*8*4 pooled + 4*3;
      // DynamicConv 16 positions * 6*5, mixing 2 * (30 + 5), attention 16*6 pooled + 6*4 + 4*2
      // (hidden max(4, 6/4) = 4); dense 5*7.
      long stem = 64L * 27 * 4;
      long cond = 16L * 36 * 6 + 3 * (216 + 6) + (64 * 4 + 4 * 3);
      long dyn = 16L * 30 + 2 * (30 + 5) + (16 * 6 + 6 * 4 + 4 * 2);
      long head = 5 * 7;
      assertEquals(stem + cond + dyn + head, ctx.macs());
    }
  }

  /**
   * The depthwise form of every family is the same layer with a config of kind DEPTHWISE: Google's
   * and Keras' depthwise variable names and [kh,kw,C,M] layouts, C*M output channels, and a
   * multiply-add count of H'*W'*kh*kw*C*M (plus mixing), checked by hand for C = 3, M = 2.
   */
  @Test
  void depthwiseFormsNameTheirVariablesAsGoogleAndKerasDo() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(B, H, W, C));
      ConvGeometry k3 = ConvGeometry.of(3);
      Operand<TFloat32> y = Sequential.of(
          Layers.conv2d("dw", Conv2dConfig.depthwise(k3).withMultiplier(2)),
          Layers.condConv2d("cdw", CondConv2dConfig.depthwise(k3, 2).withBias(false)),
          Layers.dynamicConv2d("ddw", DynamicConv2dConfig.depthwise(k3, 2).withBias(false)))
          .call(ctx, x);
      // Per example: dw 64*9*3*2; cdw 64*9*6 + mixing 2*54 + routing 64*6 + 6*2; ddw the same
      // convolution and mixing, attention 64*6 + 6*4 + 4*2 (hidden max(4, 6/4) = 4).
      long dw = 64L * 9 * 3 * 2;
      long cdw = 64L * 9 * 6 + 2 * 54 + (64 * 6 + 6 * 2);
      long ddw = 64L * 9 * 6 + 2 * 54 + (64 * 6 + 6 * 4 + 4 * 2);
      assertEquals(dw + cdw + ddw, ctx.macs());
      y = Layers.odConv2d("odw", OdConv2dConfig.depthwise(k3, 2)).call(ctx, y);
      assertEquals(Shape.of(B, H, W, 6), y.shape());
      Map<String, Shape> vs = shapes(ctx.variables());
      assertEquals(Shape.of(3, 3, 3, 2), vs.get("net/dw/depthwise_kernel"));
      assertEquals(Shape.of(6), vs.get("net/dw/bias"));
      assertEquals(Shape.of(2, 3 * 3 * 6), vs.get("net/cdw/depthwise_condconv_kernel"));
      assertEquals(Shape.of(2, 3 * 3 * 6), vs.get("net/ddw/dynamic_depthwise_kernel"));
      assertEquals(Shape.of(2, 3 * 3 * 6), vs.get("net/odw/depthwise_odconv_kernel"));
      // Depthwise ODConv with M = 1 has no filter attention, as the official code.
      assertTrue(vs.keySet().stream().noneMatch(n -> n.startsWith("net/odw/attention/filter")),
          vs.keySet().toString());
      assertTrue(ctx.routingOutputs().routing().keySet().containsAll(List.of("net/cdw", "net/ddw")));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CondConv2dConfig.of(8, ConvGeometry.of(3), 2).withMultiplier(2));
    assertTrue(e.getMessage().startsWith("CondConv2dConfig: multiplier=2 is invalid; expected a"
        + " depthwise config"), e.getMessage());
  }

  @Test
  void inferenceBuildsHaveNoUpdates() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.inference(run.root.child("net"));
      Layers.batchNorm().call(ctx, run.placeholder("x", Shape.of(B, H, W, C)));
      assertEquals(0, ctx.updates().size());
      assertEquals(2, ctx.nonTrainableVariables().size());
    }
  }

  @Test
  void aLayerCalledTwiceSharesItsWeights() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Layer conv = Layers.conv2d(Conv2dConfig.of(3, ConvGeometry.of(3)));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(B, H, W, C));
      conv.call(ctx, conv.call(ctx, x));
      assertEquals(List.of("net/conv2d/kernel", "net/conv2d/bias"),
          ctx.variables().stream().map(VariableRef::name).toList());
      assertEquals(2 * 64L * 27 * 3, ctx.macs(), "each call's multiply-adds count");
    }
  }

  @Test
  void unnamedLayersGetKerasNames() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      Sequential.of(Layers.conv2d(Conv2dConfig.of(3, ConvGeometry.of(3))),
          Layers.conv2d(Conv2dConfig.of(3, ConvGeometry.of(3)))).call(ctx,
          run.placeholder("x", Shape.of(B, H, W, C)));
      assertEquals(List.of("net/conv2d/kernel", "net/conv2d/bias", "net/conv2d_1/kernel",
          "net/conv2d_1/bias"), ctx.variables().stream().map(VariableRef::name).toList());
    }
  }

  @Test
  void condConvLayersInASharedRoutingBlockReadOneRouting() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      SharedRouting.of("block", 4,
          Layers.condConv2d("expand", CondConv2dConfig.of(6, ConvGeometry.of(1), 4)),
          Layers.condConv2d("project", CondConv2dConfig.of(3, ConvGeometry.of(1), 4)))
          .call(ctx, run.placeholder("x", Shape.of(B, H, W, C)));
      List<String> names = ctx.variables().stream().map(VariableRef::name).toList();
      assertEquals(List.of("net/block/routing/kernel", "net/block/routing/bias",
          "net/block/expand/condconv_kernel", "net/block/expand/condconv_bias",
          "net/block/project/condconv_kernel", "net/block/project/condconv_bias"), names);
      Map<String, Operand<TFloat32>> r = ctx.routingOutputs().routing();
      assertSame(r.get("net/block/expand"), r.get("net/block/project"));
    }
  }

  @Test
  void condConvComputesTheFloat64Reference() {
    int e = 3, f = 5;
    try (TfRun run = new TfRun(3)) {
      BuildContext ctx = BuildContext.inference(run.root.child("net"));
      Operand<TFloat32> x = run.placeholder("x", Shape.of(B, H, W, C));
      Operand<TFloat32> y = Layers.condConv2d("cond",
          CondConv2dConfig.of(f, ConvGeometry.of(3).withStride(2), e)).call(ctx, x);
      Map<String, VariableRef> v = ctx.variables().stream()
          .collect(Collectors.toMap(VariableRef::name, a -> a));
      float[] xv = Rand.normal(5, B * H * W * C);
      float[] kernel = Rand.normal(6, e * 9 * C * f);
      float[] bias = Rand.normal(7, e * f);
      float[] rk = Rand.normal(8, C * e);
      float[] rb = Rand.normal(9, e);
      run.assign(v.get("net/cond/condconv_kernel"), kernel);
      run.assign(v.get("net/cond/condconv_bias"), bias);
      run.assign(v.get("net/cond/routing/kernel"), rk);
      run.assign(v.get("net/cond/routing/bias"), rb);
      float[] got = run.run(y, new TfRun.Feed(x, Shape.of(B, H, W, C), xv));

      double[] xd = AllClose.toDouble(xv);
      double[] r = RefCondConv.sigmoidRouting(xd, B, H, W, C, AllClose.toDouble(rk),
          AllClose.toDouble(rb), e);
      RefCondConv.Spec sp = new RefCondConv.Spec(false, B, H, W, C, f, 3, 2, 1, true, e);
      double[] want = RefCondConv.forward(sp, xd, r, AllClose.toDouble(kernel),
          AllClose.toDouble(bias));
      AllClose.assertRelClose(want, got, 1e-5, "CondConv through the layer API");
    }
  }

  @Test
  void aResidualBodyMustKeepTheShape() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Residual.of(Layers.conv2d(Conv2dConfig.of(5, ConvGeometry.of(3))))
              .call(ctx, run.placeholder("x", Shape.of(B, H, W, C))));
      assertTrue(e.getMessage().startsWith("Residual in 'net': the body maps [2, 8, 8, 3] to"
          + " [2, 8, 8, 5]; expected the input's shape"), e.getMessage());
    }
  }

  @Test
  void aDenseLayerNamesAMissingPool() {
    try (TfRun run = new TfRun(1)) {
      BuildContext ctx = BuildContext.training(run.root.child("net"));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Layers.dense("head", DenseConfig.of(3)).call(ctx,
              run.placeholder("x", Shape.of(B, H, W, C))));
      assertEquals("Dense 'net/head': input shape [2, 8, 8, 3] is not [B, F] with F static; flatten"
          + " or pool first (Layers.globalAvgPool()).", e.getMessage());
    }
  }
}

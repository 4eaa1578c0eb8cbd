package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.Mode;
import org.dynconv.routing.SoftmaxRoutingConfig;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Bad configs and bad shapes fail at graph-build time with pinned messages. */
class LayerErrorsTest {
  private static void assertMessage(String expected, Executable e) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void configErrorsNameArgumentValueAndExpectation() {
    assertMessage("CondConv2dConfig: numExperts=0 is invalid; expected numExperts >= 1.",
        () -> CondConv2dConfig.of(8, ConvGeometry.of(3), 0));
    assertMessage("CondConv2dConfig: filters=-4 is invalid; expected filters >= 1.",
        () -> CondConv2dConfig.of(-4, ConvGeometry.of(3), 2));
    assertMessage("CondConv2dConfig: multiplier=0 is invalid; expected multiplier >= 1.",
        () -> CondConv2dConfig.depthwise(ConvGeometry.of(3), 2).withMultiplier(0));
    assertMessage("DynamicConv2dConfig: temperature=0.0 is invalid; expected a finite temperature > 0.",
        () -> DynamicConv2dConfig.of(8, ConvGeometry.of(3), 4).withTemperature(0f));
    assertMessage("SoftmaxRoutingConfig: reductionRatio=0 is invalid; expected reductionRatio >= 1.",
        () -> new SoftmaxRoutingConfig(4, 0, 4));
    assertMessage("CondConv2dConfig: strategy is null; expected a value.",
        () -> CondConv2dConfig.of(8, ConvGeometry.of(3), 2).withStrategy(null));
  }

  @Test
  void shapeErrorsNameScopeAndShapes() {
    try (TfRun run = new TfRun(1)) {
      CondConv2d layer = CondConv2d.create(run.root.child("blocks_8").child("cond_conv2d"),
          CondConv2dConfig.of(16, ConvGeometry.of(3), 4), 32);
      Operand<TFloat32> rank3 = run.placeholder("a", Shape.of(2, 9, 32));
      Operand<TFloat32> wrongC = run.placeholder("b", Shape.of(-1, 9, 9, 16));
      Operand<TFloat32> good = run.placeholder("c", Shape.of(-1, 9, 9, 32));
      Operand<TFloat32> routing8 = run.placeholder("r8", Shape.of(-1, 8));
      Operand<TFloat32> routing4 = run.placeholder("r4", Shape.of(3, 4));
      Operand<TFloat32> good2 = run.placeholder("d", Shape.of(2, 9, 9, 32));
      assertMessage("CondConv2d 'blocks_8/cond_conv2d': input must have rank 4 [B,H,W,C]; received"
          + " shape [2, 9, 32].", () -> layer.apply(rank3, routing4));
      assertMessage("CondConv2d 'blocks_8/cond_conv2d': input has 16 channels but the layer was"
          + " built for 32 (input shape [-1, 9, 9, 16]).", () -> layer.apply(wrongC, routing4));
      assertMessage("CondConv2d 'blocks_8/cond_conv2d': routing has 8 experts but numExperts=4"
          + " (routing shape [-1, 8], input shape [-1, 9, 9, 32]).",
          () -> layer.apply(good, routing8));
      assertMessage("CondConv2d 'blocks_8/cond_conv2d': routing batch 3 differs from input batch 2"
          + " (routing shape [3, 4], input shape [2, 9, 9, 32]).",
          () -> layer.apply(good2, routing4));
    }
  }

  @Test
  void tooSmallInputForValidPaddingIsNamed() {
    try (TfRun run = new TfRun(1)) {
      CondConv2d layer = CondConv2d.create(run.root.child("dw"),
          CondConv2dConfig.depthwise(ConvGeometry.square(5, 1, 1, Padding.VALID), 2), 3);
      Operand<TFloat32> x = run.placeholder("x", Shape.of(1, 4, 9, 3));
      Operand<TFloat32> r = run.placeholder("r", Shape.of(1, 2));
      assertMessage("DepthwiseCondConv2d 'dw': ConvGeometry: input height=4 gives an empty output"
          + " with kernel extent 5, stride 1 and padding VALID; expected an input height >= 5.",
          () -> layer.apply(x, r, Mode.INFER));
    }
  }

  @Test
  void dynamicConvChecksItsInputToo() {
    try (TfRun run = new TfRun(1)) {
      DynamicConv2d layer = DynamicConv2d.create(run.root.child("dyn"),
          DynamicConv2dConfig.of(8, ConvGeometry.of(3), 4), 6);
      Operand<TFloat32> x = run.placeholder("x", Shape.of(-1, 5, 5, 7));
      assertMessage("SoftmaxRouting 'dyn/attention': input has 7 channels but the layer was built"
          + " for 6 (input shape [-1, 5, 5, 7]).", () -> layer.apply(x, Mode.TRAIN));
    }
  }
}

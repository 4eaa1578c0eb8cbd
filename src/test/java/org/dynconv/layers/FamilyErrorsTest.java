package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.routing.OdAttentionConfig;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Bad DCD and ODConv configurations and inputs fail at graph-build time, naming the layer (or
 * config), the argument, the value and what is expected.
 */
class FamilyErrorsTest {
  private static void assertMessage(String expected, Executable e) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void badConfigurations() {
    ConvGeometry k3 = ConvGeometry.of(3);
    assertMessage("OdConv2dConfig: numKernels=0 is invalid; expected 1 <= numKernels <= 64.",
        () -> OdConv2dConfig.of(8, k3, 0));
    assertMessage("OdConv2dConfig: numKernels=-1 is invalid; expected 1 <= numKernels <= 64.",
        () -> OdConv2dConfig.depthwise(k3, -1));
    assertMessage("OdAttentionConfig: reduction=0.0 is invalid; expected 0 < reduction <= 1.",
        () -> new OdAttentionConfig(0, 16));
    assertMessage("OdAttentionConfig: reduction=1.5 is invalid; expected 0 < reduction <= 1.",
        () -> new OdAttentionConfig(1.5, 16));
    assertMessage("OdAttentionConfig: minChannels=0 is invalid; expected minChannels >= 1.",
        () -> new OdAttentionConfig(0.0625, 0));
    assertMessage("OdConv2dConfig: strategy=TAPS is invalid; expected TAPS only with numKernels=1 and"
        + " a k x k kernel (received numKernels=4, kernel 3x3); otherwise AUTO or a per-example"
        + " strategy.", () -> OdConv2dConfig.of(8, k3, 4).withStrategy(Strategy.TAPS));
    assertMessage("DcdConv2dConfig: latent=0 is invalid; expected 1 <= latent <= 256.",
        () -> DcdConv2dConfig.mobileNetV2(32, 16, 8).withLatent(0));
    assertMessage("DcdConv2dConfig: latent=300 is invalid; expected 1 <= latent <= 256.",
        () -> DcdConv2dConfig.mobileNetV2(32, 16, 8).withLatent(300));
    assertMessage("DcdConv2dConfig: squeeze=0 is invalid; expected squeeze >= 1.",
        () -> DcdConv2dConfig.mobileNetV2(32, 16, 8).withSqueeze(0));
    assertMessage("DcdConv2dConfig: poolBins=3 is invalid; expected 1 <= poolBins <= 2.",
        () -> DcdConv2dConfig.mobileNetV2(32, 16, 8).withPoolBins(3));
    assertMessage("DcdConv2dConfig: geometry=k2x2 s1x1 d1x1 SAME is invalid; expected odd kernel"
        + " sizes (the latent 1x1 branch samples the kernel's centre tap).",
        () -> DcdConv2dConfig.resnetBasic(8, ConvGeometry.of(2), 16));
    assertMessage("DcdConv2dConfig: fcSqueeze=0 is invalid; expected fcSqueeze >= 1.",
        () -> DcdConv2dConfig.mobileNetV2(32, 16, 0));
    assertMessage("DcdDenseConfig: latent=0 is invalid; expected 1 <= latent <= 256.",
        () -> new DcdDenseConfig(10, 0, 32, DcdConv2dConfig.pytorchBatchNorm()));
  }

  @Test
  void badLayersAndInputs() {
    try (TfRun run = new TfRun(1)) {
      assertMessage("DcdConv2d 'blocks_1/dcd': latent=40 is invalid for 3 input channels and 8"
          + " filters; expected latent <= max(4, inChannels * poolBins^2, filters) = 8.",
          () -> DcdConv2d.create(run.root.child("blocks_1").child("dcd"),
              new DcdConv2dConfig(8, ConvGeometry.of(3), 40, 4, 1,
                  DcdConv2dConfig.pytorchBatchNorm()), 3));
      DcdConv2d dcd = DcdConv2d.create(run.root.child("blocks_2").child("dcd"),
          new DcdConv2dConfig(8, ConvGeometry.of(3), 4, 4, 2, DcdConv2dConfig.pytorchBatchNorm()), 6);
      Operand<TFloat32> five = run.placeholder("five", Shape.of(-1, 9, 9, 5));
      Operand<TFloat32> tiny = run.placeholder("tiny", Shape.of(-1, 1, 1, 6));
      assertMessage("DcdConv2d 'blocks_2/dcd': input has 5 channels but the layer was built for 6"
          + " (input shape [-1, 9, 9, 5]).", () -> dcd.apply(five, Mode.TRAIN));
      assertMessage("DcdBranch 'blocks_2/dcd': a 2x2 pool needs an input of at least 2x2; received"
          + " shape [-1, 1, 1, 6].", () -> dcd.apply(tiny, Mode.TRAIN));
      OdConv2d od = OdConv2d.create(run.root.child("blocks_3").child("od"),
          OdConv2dConfig.of(8, ConvGeometry.of(5).withPadding(Padding.VALID), 4), 6);
      Operand<TFloat32> small = run.placeholder("small", Shape.of(-1, 3, 3, 6));
      assertMessage("OdConv2d 'blocks_3/od': input has 5 channels but the layer was built for 6"
          + " (input shape [-1, 9, 9, 5]).", () -> od.apply(five, Mode.INFER));
      assertMessage("OdConv2d 'blocks_3/od': ConvGeometry: input height=3 gives an empty output with"
          + " kernel extent 5, stride 1 and padding VALID; expected an input height >= 5.",
          () -> od.apply(small, Mode.INFER));
      CondConv2d cc = CondConv2d.create(run.root.child("cc"),
          CondConv2dConfig.of(4, ConvGeometry.of(3), 2).withStrategy(Strategy.TAPS), 6);
      Operand<TFloat32> x = run.placeholder("x", Shape.of(2, 9, 9, 6));
      Operand<TFloat32> r = run.placeholder("r", Shape.of(2, 2));
      assertMessage("CondConv2d 'cc': strategy TAPS applies only to ODConv layers with one kernel and"
          + " a k x k kernel (a shared kernel with per-tap attention); expected AUTO, GROUPED,"
          + " DEPTHWISE_FOLD, BATCHED_MATMUL, LOOP or FUSED.", () -> cc.apply(x, r, Mode.TRAIN));
    }
  }
}

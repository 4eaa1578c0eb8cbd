package org.dynconv.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.init.Initializers;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.routing.SigmoidRouting;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** Variable names and shapes follow Google's CondConv layout exactly. */
class NamingTest {
  @Test
  void googleNamesAndShapes() {
    try (TfRun run = new TfRun(1)) {
      LayerScope block = run.root.child("efficientnet-condconv-b0-4e").child("blocks_8");
      SigmoidRouting routing = SigmoidRouting.create(block.child("dense"), 4, 80);
      LayerScope model = run.root.child("efficientnet-condconv-b0-4e").child("model").child("blocks_8");
      CondConv2d expand = CondConv2d.create(model.child("cond_conv2d_1"),
          CondConv2dConfig.of(480, ConvGeometry.of(1), 4).withBias(false), 80);
      CondConv2d dw = CondConv2d.create(model.child("depthwise_cond_conv2d"),
          CondConv2dConfig.depthwise(ConvGeometry.of(5), 4).withBias(false), 480);
      assertEquals(List.of("efficientnet-condconv-b0-4e/blocks_8/dense/kernel",
          "efficientnet-condconv-b0-4e/blocks_8/dense/bias"),
          routing.variables().stream().map(VariableRef::name).toList());
      assertEquals(Shape.of(80, 4), routing.variables().get(0).shape());
      VariableRef k = expand.variables().get(0);
      assertEquals("efficientnet-condconv-b0-4e/model/blocks_8/cond_conv2d_1/condconv_kernel", k.name());
      assertEquals(Shape.of(4, 38400), k.shape());
      assertEquals(1, expand.variables().size());
      VariableRef d = dw.variables().get(0);
      assertEquals(
          "efficientnet-condconv-b0-4e/model/blocks_8/depthwise_cond_conv2d/depthwise_condconv_kernel",
          d.name());
      assertEquals(Shape.of(4, 12000), d.shape());
      assertEquals(k.name() + "/read", k.read().op().name());
      assertEquals("VariableV2", k.variable().op().type());
    }
  }

  @Test
  void childScopesAreCachedAndUniqueChildCounts() {
    try (TfRun run = new TfRun(1)) {
      LayerScope a = run.root.child("blocks_3");
      assertSame(a.ops(), run.root.child("blocks_3").ops());
      assertEquals("blocks_3/conv2d", a.uniqueChild("conv2d").path());
      assertEquals("blocks_3/conv2d_1", a.uniqueChild("conv2d").path());
      assertEquals("blocks_3/conv2d_2", a.uniqueChild("conv2d").path());
    }
  }

  @Test
  void duplicateVariableIsRefused() {
    try (TfRun run = new TfRun(1)) {
      LayerScope s = run.root.child("x");
      Variables.create(s, "w", Shape.of(2), Initializers.zeros(), VariableRef.Kind.TRAINABLE);
      IllegalStateException e = assertThrows(IllegalStateException.class, () ->
          Variables.create(s, "w", Shape.of(2), Initializers.zeros(), VariableRef.Kind.TRAINABLE));
      assertEquals("LayerScope: a variable named 'x/w' exists already in this graph.", e.getMessage());
    }
  }
}

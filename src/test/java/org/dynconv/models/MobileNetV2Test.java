package org.dynconv.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dynconv.blocks.ConvType;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;

/**
 * The MobileNetV2 family's shapes: the static member's parameter count against a count made here
 * from the stage table, logits of every member for a batch of 3, which layers each family makes
 * dynamic, and the routing and attention outputs each exports.
 */
class MobileNetV2Test {
  /** MobileNetV2's channel rounding: nearest multiple of 8, at least 8, at most 10% below. */
  static int round(double c) {
    int r = Math.max(8, (int) (c + 4) / 8 * 8);
    return r < 0.9 * c ? r + 8 : r;
  }

  @Test
  void staticParameterCountFollowsTheStageTable() {
    for (double w : MobileNetV2.WIDTHS) {
      long expected = 0;
      int in = round(32 * w);
      expected += 9L * in + 2L * in; // stem kernel, BatchNorm gamma and beta
      int[][] stages = {{1, 16, 1}, {6, 24, 2}, {6, 32, 3}, {6, 64, 3}, {6, 96, 2}};
      for (int[] s : stages) {
        int out = round(s[1] * w);
        for (int i = 0; i < s[2]; i++) {
          int mid = in * s[0];
          if (s[0] != 1) {
            expected += (long) in * mid + 2L * mid;
          }
          expected += 9L * mid + 2L * mid + (long) mid * out + 2L * out;
          in = out;
        }
      }
      int last = round(640 * w);
      expected += (long) in * last + 2L * last + last * 10L + 10;
      try (Graph g = new Graph()) {
        Model m = MobileNetV2.of(w, ConvType.STATIC).build(LayerScope.root(g, 1), Mode.INFER);
        assertEquals(expected, m.parameterCount(), "width " + w);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ConvType.class)
  void everyMemberGivesLogitsAndItsFamilysOutputs(ConvType type) {
    double w = 0.25;
    try (TfRun run = new TfRun(2)) {
      Model m = MobileNetV2.of(w, type).build(run.root, Mode.INFER);
      float[] logits = run.run(m.logits(), new TfRun.Feed(m.images(), Shape.of(3, 28, 28, 1),
          scaled(Rand.uniform(4, 3 * 784, 0, 255))));
      assertEquals(30, logits.length);
      List<String> names = m.variables().stream().map(VariableRef::name).toList();
      long depthwiseDynamic = names.stream().filter(n -> n.contains("/depthwise_")
          && !n.contains("/depthwise_conv2d/")).count();
      switch (type) {
        case STATIC -> {
          assertTrue(m.routing().isEmpty() && m.attentions().isEmpty());
          assertEquals(0, depthwiseDynamic);
        }
        case CONDCONV -> {
          // One routing per block: 11 blocks, shared by their 2 or 3 convolutions.
          assertEquals(11, m.routing().values().stream().distinct().count());
          assertEquals(32, m.routing().size());
        }
        case DYNAMIC -> assertEquals(32, m.routing().size());
        case DCD -> {
          // Expand and project of the 10 blocks with expansion; depthwise and block 0 static.
          assertEquals(40, m.attentions().size());
          assertEquals(0, depthwiseDynamic);
          assertFalse(names.stream().anyMatch(n -> n.contains("blocks_0/dcd")));
        }
        case ODCONV -> {
          // n = 1: no kernel attention; every block convolution has a channel attention.
          assertTrue(m.routing().isEmpty());
          assertEquals(32, m.attentions().keySet().stream()
              .filter(k -> k.endsWith("/channel_attention")).count());
        }
      }
    }
  }

  private static float[] scaled(float[] a) {
    return a;
  }
}

package org.dynconv.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;

/**
 * Parameter counts against Google's published totals (condconv/README.md: 5.3M, 13.3M, 24.0M,
 * 39.7M, exact values in google-condconv-compat.md) and variable names against the checkpoint
 * naming rules.
 */
class EfficientNetTest {
  /**
   * Trainable variables by hand: stem conv + BN gamma, beta = 3; a block without expansion
   * (depthwise, BN, SE 2 kernels 2 biases, project, BN) = 10; with expansion +3 = 13; head conv,
   * BN, dense kernel and bias = 5; a CondConv block adds its routing kernel and bias. B0: 3 + 10 +
   * 15 * 13 + 5 = 213; CondConv-B0 (8 CondConv blocks): 229; depth 1.1 (23 blocks, two without
   * expansion, 11 CondConv): 3 + 2 * 10 + 21 * 13 + 5 + 22 = 323.
   */
  @ParameterizedTest
  @CsvSource({"efficientnet-b0, 5288548, 213", "efficientnet-condconv-b0-4e, 13314116, 229",
      "efficientnet-condconv-b0-8e, 24013284, 229", "efficientnet-condconv-b0-8e-depth, 39715968, 323"})
  void trainableParametersMatchGoogle(String name, long params, int trainableVariables) {
    try (Graph g = new Graph()) {
      Model m = ModelZoo.get(name).build(LayerScope.root(g, 0), Mode.INFER);
      assertEquals(params, m.parameterCount());
      assertEquals(trainableVariables, m.trainableVariables().size());
    }
  }

  @Test
  void condconvNamesFollowGoogleRules() {
    try (Graph g = new Graph()) {
      Model m = ModelZoo.get("efficientnet-condconv-b0-4e").build(LayerScope.root(g, 0), Mode.INFER);
      Map<String, Shape> vars = m.variables().stream()
          .collect(Collectors.toMap(VariableRef::name, VariableRef::shape));
      String r = "efficientnet-condconv-b0-4e/";
      // Block 8 is the first CondConv block (k = 0), block 15 the last (k = 7).
      assertEquals(Shape.of(80, 4), vars.get(r + "blocks_8/dense/kernel"));
      assertEquals(Shape.of(4, 38400), vars.get(r + "model/blocks_8/cond_conv2d_1/condconv_kernel"));
      assertEquals(Shape.of(4, 12000),
          vars.get(r + "model/blocks_8/depthwise_cond_conv2d/depthwise_condconv_kernel"));
      assertEquals(Shape.of(4, 53760), vars.get(r + "model/blocks_8/cond_conv2d_2/condconv_kernel"));
      assertEquals(Shape.of(4, 221184), vars.get(r + "model/blocks_15/cond_conv2d_22/condconv_kernel"));
      assertEquals(Shape.of(4, 10368),
          vars.get(r + "model/blocks_15/depthwise_cond_conv2d_7/depthwise_condconv_kernel"));
      assertEquals(Shape.of(4, 368640), vars.get(r + "model/blocks_15/cond_conv2d_23/condconv_kernel"));
      // Non-CondConv blocks keep tf.layers names in call order.
      assertEquals(Shape.of(1, 1, 32, 16), vars.get(r + "blocks_0/conv2d/kernel"));
      assertEquals(Shape.of(16), vars.get(r + "blocks_0/tpu_batch_normalization_1/gamma"));
      assertEquals(Shape.of(1, 1, 16, 96), vars.get(r + "blocks_1/conv2d/kernel"));
      assertEquals(Shape.of(1, 1, 96, 24), vars.get(r + "blocks_1/conv2d_1/kernel"));
      assertEquals(Shape.of(1, 1, 96, 4), vars.get(r + "blocks_1/se/conv2d/kernel"));
      assertEquals(Shape.of(96), vars.get(r + "blocks_1/se/conv2d_1/bias"));
      assertEquals(Shape.of(24), vars.get(r + "blocks_1/tpu_batch_normalization_2/moving_variance"));
      assertEquals(Shape.of(1280, 1000), vars.get(r + "head/dense/kernel"));
      assertEquals(Shape.of(3, 3, 3, 32), vars.get(r + "stem/conv2d/kernel"));
      assertTrue(vars.keySet().stream().noneMatch(n -> n.contains("condconv_bias")),
          "Google's blocks use no CondConv biases");
      // 8 CondConv blocks x 3 layers report their shared routing.
      assertEquals(24, m.routing().size());
    }
  }

  @Test
  void depthVariantHasTwentyThreeBlocks() {
    EfficientNet e = EfficientNet.condconvB0(8, 1.1);
    List<Integer> repeats = e.expandedBlocks().stream().map(b -> b.outputFilters()).toList();
    assertEquals(23, repeats.size());
    assertEquals(320, e.expandedBlocks().get(22).inputFilters());
  }

  @Test
  void regularisationRatesChangeNothingElseAndAreValidated() {
    EfficientNet base = EfficientNet.condconvB0(4, 1.0).withResolution(32);
    EfficientNet quiet = base.withRegularisation(0, 1);
    assertEquals(0.25, base.dropout());
    assertEquals(0.8, base.survivalProb());
    assertEquals(0.0, quiet.dropout());
    assertEquals(1.0, quiet.survivalProb());
    assertEquals(base.withRegularisation(base.dropout(), base.survivalProb()), base);
    assertEquals(1.0, quiet.withNumClasses(10).withExperts(8) instanceof EfficientNet e
        ? e.survivalProb() : -1, "the other with* methods keep the rates");
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> base.withRegularisation(0, 0));
    assertEquals("EfficientNet: survivalProb=0.0 is invalid; expected a probability in (0, 1].",
        e.getMessage());
  }
}

package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.conv.Strategy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients with respect to input, experts, biases and routing variables, for every strategy that
 * trains, against central finite differences of the float64 reference ({@link GradientCheck}).
 * The dilated cases matter: TF's C++ Conv2D gradient ignores dilation, which dynconv avoids.
 */
class GradientTest {
  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    ConvGeometry[] geoms = {
      ConvGeometry.square(3, 1, 1, Padding.SAME), ConvGeometry.square(3, 2, 2, Padding.VALID),
      ConvGeometry.square(1, 2, 1, Padding.SAME), ConvGeometry.square(5, 1, 2, Padding.SAME)};
    for (String kind : new String[] {"condconv", "depthwise", "dynamic"}) {
      for (ConvGeometry g : geoms) {
        for (Strategy st : Strategy.values()) {
          if (st == Strategy.TAPS || st == Strategy.BATCHED_MATMUL && !g.isPointwise()) {
            continue;
          }
          if (kind.equals("depthwise") && g.kernelH() == 5) {
            continue;
          }
          out.add(Arguments.of(kind, g, st));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(String kind, ConvGeometry g, Strategy st) {
    if (st == Strategy.GROUPED) {
      Assumptions.assumeTrue(RuntimeSupport.groupedConvGradients(),
          "grouped-conv gradients unavailable on this runtime");
    }
    if (st == Strategy.KERNEL) {
      Assumptions.assumeTrue(org.dynconv.conv.kernels.KernelLibrary.available(),
          org.dynconv.conv.kernels.KernelLibrary.status()::describe);
    }
    GradientCheck.check(kind, g, st, false);
  }

  @ParameterizedTest(name = "dynamic batch {0} AUTO")
  @MethodSource("kinds")
  void autoTrainsWithUnknownBatch(String kind) {
    GradientCheck.check(kind, ConvGeometry.square(3, 1, 1, Padding.SAME), Strategy.AUTO, true);
  }

  static Stream<String> kinds() {
    return Stream.of("condconv", "depthwise", "dynamic");
  }
}

package org.dynconv.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dynconv.conv.Strategy;
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.infer.Predictor;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;

/**
 * {@code export --kernels}: the graph may use dynconv's own op where AUTO ranks it first, the
 * export then carries the library, Java loads it, and its outputs equal the default export's
 * (TensorFlow's ops only) on the same weights. The Python side is test_kernels_export.py.
 */
class KernelsExportTest {
  @BeforeAll
  static void library() {
    Assumptions.assumeTrue(KernelLibrary.available(), KernelLibrary.status()::describe);
  }

  static Map<String, Strategy> strategies(String model, Mode mode) {
    try (Graph g = new Graph()) {
      Model m = ModelZoo.get(model).build(LayerScope.root(g, 0), BuildOptions.of(mode));
      return m.strategies();
    }
  }

  /** The zoo's blocks report their layers' strategies, and only INFER_KERNELS may hold KERNEL. */
  @Test
  void everyConditionalLayerReportsItsStrategyAndOnlyInferKernelsUsesTheKernel() {
    for (String model : List.of("small-cnn-condconv", "small-cnn-odconv",
        "mobilenetv2-0.25-condconv", "efficientnet-condconv-b0-8e")) {
      Map<String, Strategy> portable = strategies(model, Mode.INFER);
      Map<String, Strategy> kernels = strategies(model, Mode.INFER_KERNELS);
      assertFalse(portable.isEmpty(), model + ": no strategy recorded");
      assertEquals(portable.keySet(), kernels.keySet(), model);
      assertFalse(portable.containsValue(Strategy.KERNEL), model + ": " + portable);
      // The table ranks KERNEL first for regular and depthwise layers at an unknown batch.
      assertTrue(kernels.containsValue(Strategy.KERNEL), model + ": " + kernels);
      kernels.forEach((layer, s) -> assertTrue(s == Strategy.KERNEL || s == portable.get(layer),
          model + " " + layer + ": " + s + " where INFER takes " + portable.get(layer)));
    }
  }

  @Test
  void theExportCarriesTheLibraryAndEqualsTheDefaultExport(@TempDir Path dir) throws IOException {
    var spec = ModelZoo.get("small-cnn-condconv");
    Path plain = TestExports.export(spec, 5, new SavedModelExporter.Target(dir.resolve("plain"),
        false, 0, false, -1, List.of(), BankPrecision.FLOAT32, false));
    Path kernels = TestExports.export(spec, 5, new SavedModelExporter.Target(
        dir.resolve("kernels"), false, 0, false, -1, List.of(), BankPrecision.FLOAT32, true));
    assertFalse(Files.exists(plain.resolve("assets.extra").resolve(KernelLibrary.FILE_NAME)));
    Path lib = kernels.resolve("assets.extra").resolve(KernelLibrary.FILE_NAME);
    assertTrue(Files.size(lib) > 0, lib.toString());
    assertTrue(ExportPropertiesTest.property(kernels, "kernels").startsWith(
        "dynconv's kernel library"), ExportPropertiesTest.property(kernels, "kernels"));
    assertEquals("none (TensorFlow's ops only)", ExportPropertiesTest.property(plain, "kernels"));
    int n = 3;
    float[] x = Rand.uniform(11, n * 28 * 28, 0, 255);
    try (Predictor a = Predictor.load(plain); Predictor b = Predictor.load(kernels)) {
      float[] want = a.logits(x, n), got = b.logits(x, n);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-5, "logit " + i);
      }
    }
  }
}

package org.dynconv.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.Mode;
import org.dynconv.graph.RuntimeSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two shipped AUTO tables are complete and well-formed, and the process reads the one for its
 * runtime. (Which strategy each entry names is a measurement, checked by {@code bench}, not here.)
 */
class AutoTableTest {
  static final List<String> KINDS = List.of("pointwise", "depthwise", "regular");
  static final List<String> BATCHES = List.of("1", "2-8", "9+", "dynamic");

  @ParameterizedTest(name = "oneDnn={0}")
  @ValueSource(booleans = {true, false})
  void eachShippedTableHasEveryEntryWithDistinctConcreteStrategies(boolean oneDnn) {
    Map<String, List<Strategy>> t = AutoTable.read(AutoTable.fileName(oneDnn));
    assertEquals(KINDS.size() * BATCHES.size() * 2, t.size(), "entries: " + t.keySet());
    for (String kind : KINDS) {
      for (String batch : BATCHES) {
        for (Mode mode : Mode.values()) {
          List<Strategy> order = t.get(AutoTable.key(kind, batch, mode));
          String where = AutoTable.key(kind, batch, mode);
          assertFalse(order == null || order.isEmpty(), where);
          assertEquals(new HashSet<>(order).size(), order.size(), where + " repeats: " + order);
          assertFalse(order.contains(Strategy.AUTO) || order.contains(Strategy.TAPS), where);
          if (batch.equals("dynamic")) {
            // LOOP unstacks the batch and FUSED needs exactly one example: both need it static.
            assertFalse(order.contains(Strategy.LOOP) || order.contains(Strategy.FUSED),
                where + ": " + order);
          }
        }
      }
    }
  }

  @Test
  void theProcessUsesTheTableForItsRuntime() {
    String expected = AutoTable.fileName(RuntimeSupport.oneDnn());
    assertEquals(expected, AutoTable.source());
    Map<String, List<Strategy>> t = AutoTable.read(expected);
    ConvProblem pointwise = new ConvProblem(ConvKind.REGULAR, 1, 14, 14, 112, 672,
        ConvGeometry.square(1, 1, 1, Padding.SAME));
    ConvProblem depthwise = new ConvProblem(ConvKind.DEPTHWISE, -1, 14, 14, 672, 1,
        ConvGeometry.square(5, 1, 1, Padding.SAME));
    ConvProblem regular = new ConvProblem(ConvKind.REGULAR, 32, 28, 28, 16, 32,
        ConvGeometry.square(3, 1, 1, Padding.SAME));
    for (Mode mode : Mode.values()) {
      assertEquals(t.get(AutoTable.key("pointwise", "1", mode)),
          AutoTable.preferences(pointwise, mode));
      assertEquals(t.get(AutoTable.key("depthwise", "dynamic", mode)),
          AutoTable.preferences(depthwise, mode));
      assertEquals(t.get(AutoTable.key("regular", "9+", mode)),
          AutoTable.preferences(regular, mode));
    }
  }

  /**
   * INFER graphs become default exports, which keep TensorFlow's ops: AUTO never takes KERNEL
   * there, even where the table ranks it first, and takes the table's next strategy, so that the
   * default exports do not depend on where KERNEL ranks. In training graphs and INFER_KERNELS
   * graphs it does, where the library is loaded.
   */
  @Test
  void autoTakesDynconvsOwnKernelOnlyWhereTheModeAllowsIt() {
    ConvGeometry g5 = ConvGeometry.square(5, 1, 1, Padding.SAME);
    ConvGeometry g1 = ConvGeometry.square(1, 1, 1, Padding.SAME);
    for (long batch : new long[] {1, 8, 32, -1}) {
      for (ConvProblem p : List.of(new ConvProblem(ConvKind.DEPTHWISE, batch, 14, 14, 672, 1, g5),
          new ConvProblem(ConvKind.REGULAR, batch, 14, 14, 64, 64, g5),
          new ConvProblem(ConvKind.REGULAR, batch, 14, 14, 112, 672, g1))) {
        // A table that ranks KERNEL first for inference still does not get it.
        List<Strategy> kernelFirst = List.of(Strategy.KERNEL, Strategy.GROUPED,
            Strategy.DEPTHWISE_FOLD);
        assertTrue(StrategySelector.auto(p, Mode.INFER, kernelFirst) != Strategy.KERNEL,
            p.toString());
        assertEquals(StrategySelector.auto(p, Mode.INFER, kernelFirst.subList(1, 3)),
            StrategySelector.auto(p, Mode.INFER, kernelFirst), p.toString());
        assertTrue(StrategySelector.auto(p, Mode.INFER) != Strategy.KERNEL, p.toString());
        boolean library = org.dynconv.conv.kernels.KernelLibrary.available();
        assertEquals(library ? Strategy.KERNEL : StrategySelector.auto(p, Mode.INFER,
            kernelFirst.subList(1, 3)), StrategySelector.auto(p, Mode.INFER_KERNELS, kernelFirst),
            p.toString());
        for (Mode mode : List.of(Mode.TRAIN, Mode.INFER_KERNELS)) {
          List<Strategy> table = AutoTable.preferences(p, mode);
          if (!table.isEmpty() && table.get(0) == Strategy.KERNEL && library) {
            assertEquals(Strategy.KERNEL, StrategySelector.auto(p, mode), p + " " + mode);
          }
        }
      }
    }
  }

  @Test
  void theTwoRuntimesHaveTwoFiles() {
    Set<String> names = Set.of(AutoTable.fileName(true), AutoTable.fileName(false));
    assertEquals(2, names.size());
  }

  @Test
  void aMissingOrMalformedTableIsAnErrorNamingIt() {
    IllegalStateException missing =
        assertThrows(IllegalStateException.class, () -> AutoTable.read("auto-table-nowhere.csv"));
    assertTrue(missing.getMessage().contains("auto-table-nowhere.csv"), missing.getMessage());
    IllegalStateException misspelt =
        assertThrows(IllegalStateException.class, () -> AutoTable.read("auto-table-misspelt.csv"));
    assertTrue(misspelt.getMessage().contains("line 3")
        && misspelt.getMessage().contains("FUSED|LOPO"), misspelt.getMessage());
  }
}

package org.dynconv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  private static BenchRow row(String strategy, int batch, double median) {
    return new BenchRow("layers", "expand 80->480 14x14", batch, 4, strategy, "forward", median,
        median * 0.9, median * 1.1, 0.5, 1.1);
  }

  @Test
  void autoAgainstLoopDividesTheMediansAndSeparatesSameGraphCells() {
    List<BenchRow> rows = List.of(
        row("LOOP", 1, 2.0), row("FUSED", 1, 1.0), row("AUTO(FUSED)", 1, 1.0),
        row("LOOP", 32, 2.0), row("AUTO(LOOP)", 32, 2.5));
    String md = BenchReport.autoVersusLoop(rows);
    // B=1: 1.0 / 2.0; B=32: 2.5 / 2.0; geometric mean sqrt(0.5 * 1.25) = 0.7906.
    assertTrue(md.contains("| expand 80->480 14x14 | 1 | 4 | forward | FUSED | 1.00 | 2.00 | 0.50 |"), md);
    assertTrue(md.contains("| expand 80->480 14x14 | 32 | 4 | forward | LOOP | 2.50 | 2.00 | 1.25 |"), md);
    assertTrue(md.contains("AUTO / LOOP over 2 cells: geometric mean 0.791, range 0.50-1.25; AUTO"
        + " picked another strategy in 1 cells (geometric mean 0.500, range 0.50-0.50) and LOOP in 1"
        + " (geometric mean 1.250, range 1.25-1.25)."), md);
    assertEquals("", BenchReport.autoVersusLoop(List.of(row("AUTO(FUSED)", 1, 1.0))));
  }

  @Test
  void csvLinesRoundTrip() {
    BenchRow r = new BenchRow("models", "a vs b", 32, 8, "AUTO", "forward", 1.25, 1.2, 1.3, 17.5,
        1.0625);
    assertEquals(r, BenchRow.parse(r.csv()));
    BenchRow floored = r.withFloor(96_000_000L, 21_000_000L, 4.5);
    assertEquals(floored, BenchRow.parse(floored.csv()));
    // Reports written before the floor columns still read, without a floor.
    BenchRow old = BenchRow.parse("models,a vs b,32,8,AUTO,forward,1.25,1.2,1.3,17.5,1.0625");
    assertEquals(0, old.weightBytes());
    assertTrue(Double.isNaN(old.floorMs()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BenchRow.parse("layers,x,1"));
    assertEquals("BenchRow: line 'layers,x,1' has 3 fields; expected 14 (" + BenchRow.HEADER
        + ") or the first 11.", e.getMessage());
  }

  @Test
  void theLimitIsTheHigherOfMultiplyAddsAndTheWeightFloor() {
    // Static 0.5 ms; a 10 MB bank at 20 GB/s is 0.5 ms: floor ratio 1.0 < MACs 1.1, so the limit
    // is 1.1 and a time ratio of 1.32 is 1.2 times it.
    BenchRow computeBound = row("AUTO(FUSED)", 1, 1.32).withFloor(10_000_000L, 2_000_000L,
        Bandwidth.floorMs(10_000_000L, 20e9));
    assertEquals(0.5, computeBound.floorMs(), 1e-12);
    assertEquals(1.0, computeBound.floorRatio(), 1e-12);
    assertEquals(1.2, computeBound.limitDistance(), 1e-12);
    // Not overlapped: 1.1 + 8 MB / 20 GB/s / 0.5 ms = 1.1 + 0.8.
    assertEquals(1.9, computeBound.serialLimit(), 1e-12);
    // A 40 MB bank: floor 2 ms = 4x static, which binds; 6x is 1.5 times it.
    BenchRow bandwidthBound = row("AUTO(FUSED)", 1, 6).withFloor(40_000_000L, 5_000_000L,
        Bandwidth.floorMs(40_000_000L, 20e9));
    assertEquals(1.5, bandwidthBound.limitDistance(), 1e-12);
    String md = BenchReport.limits(List.of(computeBound, row("LOOP", 1, 2).withFloor(1, 1, 1),
        row("AUTO(LOOP)", 32, 2.0)));
    assertTrue(md.contains("| expand 80->480 14x14 AUTO(FUSED) | 4 | 10.00 (2.00) | 0.500 | 0.500 |"
        + " 1.32 | 1.10 | 1.00 | 1.20 | 1.90 |"), md);
    // Only AUTO cells at batch 1 with a floor.
    assertEquals(1, md.lines().filter(l -> l.startsWith("| expand")).count(), md);
    // DCD and ODConv: DCD and AUTO's path, not the alternatives.
    List<BenchRow> family = new java.util.ArrayList<>();
    for (String name : List.of("DCD", "ODConv1 AUTO(FUSED)", "ODConv1 TAPS", "ODConv1")) {
      BenchRow r = row(name, 1, 2);
      family.add(new BenchRow("family", r.caseName(), 1, 1, name, "forward", 2, 1.9, 2.1, 0.5,
          1.1).withFloor(1_000_000L, 500_000L, 0.05));
    }
    String fam = BenchReport.limits(family);
    assertTrue(fam.contains("| expand 80->480 14x14 DCD |"), fam);
    assertTrue(fam.contains("| expand 80->480 14x14 ODConv1 AUTO(FUSED) |"), fam);
    assertTrue(fam.contains("| expand 80->480 14x14 ODConv1 |"), fam);
    assertFalse(fam.contains("TAPS"), fam);
  }

  @Test
  void layerCaseKernelParamsByHand() {
    LayerCase expand = LayerCase.efficientnetCondconvB0().stream()
        .filter(c -> c.name().equals("expand 112->672 14x14")).findFirst().orElseThrow();
    assertEquals(112L * 672, expand.kernelParams());
    LayerCase dw = LayerCase.efficientnetCondconvB0().stream()
        .filter(c -> c.name().startsWith("depthwise 5x5 s1 672")).findFirst().orElseThrow();
    assertEquals(5L * 5 * 672, dw.kernelParams());
  }

  @Test
  void bandwidthNeedsAReaderAndFloorsAreBytesOverRate() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Bandwidth.measure(0));
    assertEquals("Bandwidth: threads is 0; expected >= 1.", e.getMessage());
    // 96 MB at 48 GB/s: 2 ms.
    assertEquals(2.0, Bandwidth.floorMs(96_000_000L, 48e9), 1e-12);
  }
}

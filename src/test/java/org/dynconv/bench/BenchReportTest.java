package org.dynconv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BenchRow.parse("layers,x,1"));
    assertEquals("BenchRow: line 'layers,x,1' has 3 fields; expected 11 (" + BenchRow.HEADER + ").",
        e.getMessage());
  }
}

package org.dynconv.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Attention summaries on values computed by hand. */
class AttentionStatsTest {
  @Test
  void summaryOfTwoImagesOfTwoValues() {
    // Image 0: [0, 1]; image 1: [2, 1]. Value 0 varies (std 1 over images), value 1 does not.
    AttentionStats s = AttentionStats.summarise("l/lambda", new float[] {0, 1, 2, 1}, 2);
    assertEquals(2, s.width());
    assertEquals(1.0, s.mean(), 1e-12);
    assertEquals(0.0, s.min(), 0);
    assertEquals(2.0, s.max(), 0);
    assertEquals(0.5, s.perImageStd(), 1e-12);
    long[] hist = new long[AttentionStats.BINS];
    hist[0] = 1;
    hist[AttentionStats.BINS / 2] = 2;
    hist[AttentionStats.BINS - 1] = 1;
    assertArrayEquals(hist, s.histogram());
  }
}

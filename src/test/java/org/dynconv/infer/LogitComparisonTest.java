package org.dynconv.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Agreement and deviation on hand-computed logits. */
class LogitComparisonTest {
  @Test
  void countsAgreementAndTheLargestDifferenceByHand() {
    LogitComparison c = new LogitComparison();
    // Two images, three classes. Image 0: both pick class 2. Image 1: 1 against 0.
    float[] reference = {0.5f, -1.0f, 3.0f, 2.0f, 2.5f, -4.0f};
    float[] other = {0.5f, -1.25f, 2.0f, 2.75f, 2.5f, -4.0f};
    c.add(reference, other, 2, 3);
    assertEquals(2, c.images());
    assertEquals(1, c.agreements());
    assertEquals(1.0, c.maxAbsDifference(), 0.0); // 3.0 - 2.0
    assertEquals(4.0, c.maxAbsReference(), 0.0);
    // A third image that agrees, with a larger difference: 1.0 -> 2.5.
    c.add(new float[] {1.0f, 0.0f, 0.0f}, new float[] {2.5f, 0.0f, 0.0f}, 1, 3);
    assertEquals(3, c.images());
    assertEquals(2, c.agreements());
    assertEquals(1.5, c.maxAbsDifference(), 0.0);
    assertEquals("top-1 agreement 2/3 (66.67%), largest |logit difference| 1.500 (largest"
        + " |logit| 4.000)", c.summary());
  }

  @Test
  void mismatchedLengthsNameBothAndTheExpectedSize() {
    LogitComparison c = new LogitComparison();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.add(new float[6], new float[5], 2, 3));
    assertTrue(e.getMessage().contains("length 6 and 5") && e.getMessage().contains("n=2"),
        e.getMessage());
    assertEquals(0, c.images());
  }
}

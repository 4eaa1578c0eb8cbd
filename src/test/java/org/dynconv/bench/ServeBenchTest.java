package org.dynconv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The serve benchmark's request body and percentile, by hand. */
class ServeBenchTest {
  @Test
  void oneInstanceNestedInTheModelsShape() {
    float[] px = {1, 2, 3, 4, 5, 6};
    assertEquals("{\"instances\": [[[[1],[2],[3]],[[4],[5],[6]]]]}", ServeBench.nested(px, 2, 3, 1));
    assertEquals("{\"instances\": [[[[1,2],[3,4],[5,6]]]]}", ServeBench.nested(px, 1, 3, 2));
  }

  @Test
  void nearestRankPercentile() {
    double[] v = new double[100];
    for (int i = 0; i < v.length; i++) {
      v[i] = i + 1;
    }
    assertEquals(50, ServeBench.percentile(v, 0.50));
    assertEquals(99, ServeBench.percentile(v, 0.99));
    assertEquals(7, ServeBench.percentile(new double[] {7}, 0.99));
  }
}

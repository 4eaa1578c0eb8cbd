package org.dynconv.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The DCD/ODConv reference's building blocks, on cases computed by hand. */
class RefNnTest {
  @Test
  void adaptivePoolOverlapsBinsOnOddSizesAndFlattensChannelsFirst() {
    // One channel, 3x2 input rows [1 2], [3 4], [5 6]; 2x2 bins: rows {0,1} and {1,2} (overlap on
    // row 1), columns {0} and {1}. Bin (0,0) = (1+3)/2 = 2, (0,1) = 3, (1,0) = 4, (1,1) = 5.
    double[] x = {1, 2, 3, 4, 5, 6};
    assertArrayEquals(new double[] {2, 3, 4, 5}, RefNn.adaptivePoolChannelsFirst(x, 3, 2, 1, 2), 0);
    // Two channels, 1x2 input: [c0 c1] = [1 10], [2 20]; 1x1 bin (global): feature c.
    assertArrayEquals(new double[] {1.5, 15},
        RefNn.adaptivePoolChannelsFirst(new double[] {1, 10, 2, 20}, 1, 2, 2, 1), 0);
  }

  @Test
  void dcdHardSigmoidSpansZeroToTwo() {
    assertEquals(0, RefNn.hardSigmoidDcd(-4), 0);
    assertEquals(1, RefNn.hardSigmoidDcd(0), 0);
    assertEquals(1.5, RefNn.hardSigmoidDcd(1.5), 1e-15);
    assertEquals(2, RefNn.hardSigmoidDcd(7), 0);
  }

  @Test
  void batchNormUsesBiasedBatchVarianceInTraining() {
    // Rows 1 and 3: mean 2, biased variance 1; gamma 2, beta 1, eps 0 -> -1 and 3.
    RefNn.Bn bn = new RefNn.Bn(new double[] {2}, new double[] {1}, new double[] {0},
        new double[] {4}, 0);
    assertArrayEquals(new double[] {-1, 3}, RefNn.batchNorm(new double[] {1, 3}, 2, 1, bn, true), 0);
    // Inference: moving mean 0, variance 4: (x / 2) * 2 + 1.
    assertArrayEquals(new double[] {2, 4}, RefNn.batchNorm(new double[] {1, 3}, 2, 1, bn, false), 0);
  }
}

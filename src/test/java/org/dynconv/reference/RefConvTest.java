package org.dynconv.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The reference itself, on cases computed by hand. */
class RefConvTest {
  @Test
  void onesKernelCountsInBoundsTaps() {
    double[] x = new double[16];
    java.util.Arrays.fill(x, 1);
    double[] k = new double[9];
    java.util.Arrays.fill(k, 1);
    // 4x4 ones, 3x3 ones, SAME, stride 1: corners 4, edges 6, inside 9.
    double[] y = RefConv.conv2d(x, 4, 4, 1, k, 3, 3, 1, 1, 1, true);
    assertArrayEquals(new double[] {4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4}, y, 0);
    // stride 2: out 2x2, total pad (2-1)*2+3-4 = 1 -> 0 before: windows at rows 0..2 and 2..4.
    y = RefConv.conv2d(x, 4, 4, 1, k, 3, 3, 1, 2, 1, true);
    assertArrayEquals(new double[] {9, 6, 6, 4}, y, 0);
  }

  @Test
  void dilationSkipsTaps() {
    // 1x5 input 1..5, kernel 1x2 [1, 10] with dilation 3, VALID: y[i] = x[i] + 10 x[i+3].
    double[] x = {1, 2, 3, 4, 5};
    double[] y = RefConv.conv2d(x, 1, 5, 1, new double[] {1, 10}, 1, 2, 1, 1, 3, false);
    assertArrayEquals(new double[] {41, 52}, y, 0);
  }

  @Test
  void depthwiseKeepsChannelsApartAndOrdersByMultiplier() {
    // 1x1 input, 2 channels [2, 3]; 1x1 kernel (C=2, M=2) [[1, 10], [100, 1000]].
    double[] y = RefConv.depthwise(new double[] {2, 3}, 1, 1, 2, new double[] {1, 10, 100, 1000},
        1, 1, 2, 1, 1, true);
    assertArrayEquals(new double[] {2, 20, 300, 3000}, y, 0);
  }
}

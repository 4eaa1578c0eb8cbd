package org.dynconv.routing;

/**
 * The entropy {@code -sum_j q_j log q_j} of one example's routing weights after normalising them to
 * sum 1 ({@code q_j = w_j / sum w}); softmax attention already sums to 1, sigmoid routing does not.
 * log E for uniform weights, 0 for one-hot. Shared by validation logs and the routing analysis.
 */
public final class RoutingEntropy {
  private RoutingEntropy() {}

  /** The entropy of row {@code row} of a [rows, width] array of non-negative weights. */
  public static double ofRow(float[] w, int row, int width) {
    double sum = 0;
    for (int j = 0; j < width; j++) {
      sum += w[row * width + j];
    }
    double h = 0;
    for (int j = 0; j < width; j++) {
      double q = w[row * width + j] / sum;
      if (q > 0) {
        h -= q * Math.log(q);
      }
    }
    return h;
  }
}

package org.dynconv.graph;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;

/**
 * Graph-build-time shape checks. Messages name the layer, its scope and the shapes involved, for
 * example {@code CondConv2d 'blocks_8/conv2d': input has 16 channels but the layer was built for
 * 32 (input shape [-1, 14, 14, 16]).}
 */
public final class Shapes {
  private Shapes() {}

  /**
   * Checks {@code x} is {@code [B,H,W,C]} with static H, W, C (B may be unknown) and returns the
   * dims, batch as -1 when unknown.
   */
  public static long[] requireNhwc(String layer, LayerScope scope, Operand<?> x) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 4) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "input must have rank 4 [B,H,W,C]; received shape " + s + ".");
    }
    for (int i = 1; i < 4; i++) {
      if (s.size(i) < 0) {
        throw new IllegalArgumentException(
            prefix(layer, scope) + "input height, width and channels must be static; received shape "
                + s + ".");
      }
    }
    return s.asArray();
  }

  /** Checks the input's channel count matches what the layer was built for. */
  public static void requireChannels(
      String layer, LayerScope scope, long[] nhwc, long expected) {
    if (nhwc[3] != expected) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "input has " + nhwc[3] + " channels but the layer was built for "
              + expected + " (input shape " + Shape.of(nhwc) + ").");
    }
  }

  /** Checks routing is {@code [B, numExperts]} with a batch compatible with the input's. */
  public static void requireRouting(
      String layer, LayerScope scope, long[] nhwc, Operand<?> routing, int numExperts) {
    Shape r = routing.shape();
    if (r.isUnknown() || r.numDimensions() != 2) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "routing must have rank 2 [B,E]; received routing shape " + r
              + " for input shape " + Shape.of(nhwc) + ".");
    }
    if (r.size(1) != numExperts) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "routing has " + r.size(1) + " experts but numExperts="
              + numExperts + " (routing shape " + r + ", input shape " + Shape.of(nhwc) + ").");
    }
    long rb = r.size(0);
    if (rb >= 0 && nhwc[0] >= 0 && rb != nhwc[0]) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "routing batch " + rb + " differs from input batch " + nhwc[0]
              + " (routing shape " + r + ", input shape " + Shape.of(nhwc) + ").");
    }
  }

  /** Checks {@code x} is {@code [B, features]} with static features, returning features. */
  public static long requireMatrix(String layer, LayerScope scope, Operand<?> x, long features) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != 2 || s.size(1) != features) {
      throw new IllegalArgumentException(
          prefix(layer, scope) + "input must be [B, " + features + "]; received shape " + s + ".");
    }
    return s.size(1);
  }

  private static String prefix(String layer, LayerScope scope) {
    return layer + " '" + scope.path() + "': ";
  }
}

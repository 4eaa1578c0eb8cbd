package org.dynconv.blocks;

/** Google's EfficientNet width and depth scaling. */
public final class Scaling {
  private Scaling() {}

  /**
   * {@code round_filters}: scale by the width coefficient and round to a multiple of the divisor,
   * never below the divisor and never more than 10% under the scaled value.
   */
  public static int roundFilters(int filters, double width, int divisor) {
    if (width == 0) {
      return filters;
    }
    double scaled = filters * width;
    int rounded = Math.max(divisor, (int) (scaled + divisor / 2.0) / divisor * divisor);
    if (rounded < 0.9 * scaled) {
      rounded += divisor;
    }
    return rounded;
  }

  /** {@code round_repeats}: {@code ceil(depth * repeats)}. */
  public static int roundRepeats(int repeats, double depth) {
    return depth == 0 ? repeats : (int) Math.ceil(depth * repeats);
  }
}

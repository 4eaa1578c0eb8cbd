package org.dynconv.infer;

/**
 * How closely two models agree on the same images: the fraction whose top-1 class is the same and
 * the largest absolute difference of any logit, beside the largest absolute logit of the reference
 * (for scale). Used to measure what an export option such as half-width expert banks costs against
 * the float32 export. Ties in the top-1 class go to the lower class index in both models.
 */
public final class LogitComparison {
  private long images;
  private long agreements;
  private double maxAbsDifference;
  private double maxAbsReference;

  /**
   * Adds {@code n} images: {@code reference} and {@code other} are both {@code [n, classes]}
   * logits, row-major.
   */
  public void add(float[] reference, float[] other, int n, int classes) {
    if (n < 0 || classes < 1 || reference.length != (long) n * classes
        || other.length != reference.length) {
      throw new IllegalArgumentException("LogitComparison: logits of length " + reference.length
          + " and " + other.length + " for n=" + n + ", classes=" + classes
          + "; expected both n * classes.");
    }
    for (int i = 0; i < n; i++) {
      if (Predictor.argMax(reference, i, classes) == Predictor.argMax(other, i, classes)) {
        agreements++;
      }
    }
    for (int j = 0; j < reference.length; j++) {
      maxAbsDifference = Math.max(maxAbsDifference, Math.abs((double) other[j] - reference[j]));
      maxAbsReference = Math.max(maxAbsReference, Math.abs(reference[j]));
    }
    images += n;
  }

  public long images() {
    return images;
  }

  /** Images whose top-1 class is the same in both models. */
  public long agreements() {
    return agreements;
  }

  public double maxAbsDifference() {
    return maxAbsDifference;
  }

  public double maxAbsReference() {
    return maxAbsReference;
  }

  /** "top-1 agreement 9998/10000 (99.98%), largest |logit difference| 0.0123 (largest |logit| 14.2)". */
  public String summary() {
    return String.format(java.util.Locale.ROOT,
        "top-1 agreement %d/%d (%.2f%%), largest |logit difference| %.4g (largest |logit| %.4g)",
        agreements, images, images == 0 ? 0.0 : 100.0 * agreements / images, maxAbsDifference,
        maxAbsReference);
  }
}

package org.dynconv.train;

/** Training stopped because the loss became NaN or infinite. */
public final class TrainingDiverged extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDiverged(String message) {
    super(message);
  }
}

package org.dynconv.checkpoint;

/** A checkpoint file that is missing, truncated or malformed; the message names the file. */
public final class CheckpointFormatError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CheckpointFormatError(String message) {
    super(message);
  }
}

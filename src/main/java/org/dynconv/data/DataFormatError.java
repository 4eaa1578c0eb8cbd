package org.dynconv.data;

/** A data file that is missing, truncated or malformed; the message names the file. */
public final class DataFormatError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataFormatError(String message) {
    super(message);
  }
}

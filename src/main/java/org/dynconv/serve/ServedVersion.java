package org.dynconv.serve;

import org.dynconv.infer.Predictor;

/**
 * One loaded version of a served model. Requests hold it between {@link #acquire()} and {@link
 * #release()}; once {@link #retire()}d (a newer version took its place, or the server stops) it
 * closes its SavedModel after the last request in flight releases it.
 */
final class ServedVersion {
  private final long version;
  private final Predictor predictor;
  private int inFlight;
  private boolean retired;
  private boolean closed;

  ServedVersion(long version, Predictor predictor) {
    this.version = version;
    this.predictor = predictor;
  }

  long version() {
    return version;
  }

  Predictor predictor() {
    return predictor;
  }

  /** True if the caller may use the predictor (then it must {@link #release()}). */
  synchronized boolean acquire() {
    if (retired) {
      return false;
    }
    inFlight++;
    return true;
  }

  synchronized void release() {
    inFlight--;
    closeIfDone();
  }

  synchronized void retire() {
    retired = true;
    closeIfDone();
  }

  private void closeIfDone() {
    if (retired && inFlight == 0 && !closed) {
      closed = true;
      predictor.close();
    }
  }
}

package org.dynconv.io;

/**
 * A test hook for crash tests: with {@code DYNCONV_FAULT_PAUSE=<point>:<millis>[:<nth>]} in the
 * environment, the {@code nth} (default first) time the program reaches {@code point} it prints
 * {@code dynconv: fault injection: paused at <point>} to standard error and sleeps, so a test can
 * kill the process at that exact moment. Points: {@code checkpoint} (a checkpoint is fully written
 * to its temporary directory but not yet renamed into place) and {@code export} (a SavedModel is
 * staged but not yet renamed into place). Without the variable it does nothing.
 */
public final class FaultInjection {
  private static final String SPEC = System.getenv("DYNCONV_FAULT_PAUSE");
  private static int hits;

  private FaultInjection() {}

  public static synchronized void pause(String point) {
    if (SPEC == null) {
      return;
    }
    String[] f = SPEC.split(":");
    if (f.length < 2 || !f[0].equals(point)) {
      return;
    }
    hits++;
    int nth = f.length > 2 ? Integer.parseInt(f[2]) : 1;
    if (hits != nth) {
      return;
    }
    System.err.println("dynconv: fault injection: paused at " + point);
    System.err.flush();
    try {
      Thread.sleep(Long.parseLong(f[1]));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

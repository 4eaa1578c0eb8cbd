package org.dynconv.train.distributed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names the worker that stopped answering when a collective fails. TensorFlow reports only that a
 * collective timed out, so the other workers' ports are probed: a task whose port refuses
 * connections is gone; if every port answers, a worker is alive but hung.
 */
public final class Peers {
  private Peers() {}

  /** True when {@code e} (or a cause) is TensorFlow's collective timeout or abort. */
  public static boolean isCollectiveFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("Collective has timed out") || m.contains("Collective ops is"
          + " aborted") || m.contains("collective") && m.contains("timed out"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The tasks other than this one that cannot be reached, each with why: its host name does not
   * resolve, its port refuses connections, or it does not answer within {@code timeoutMs}.
   */
  public static Map<Integer, String> unreachable(Cluster cluster, int timeoutMs) {
    Map<Integer, String> gone = new LinkedHashMap<>();
    for (int i = 0; i < cluster.size(); i++) {
      if (i == cluster.task()) {
        continue;
      }
      String a = cluster.addresses().get(i);
      int colon = a.lastIndexOf(':');
      InetSocketAddress address = new InetSocketAddress(a.substring(0, colon),
          Integer.parseInt(a.substring(colon + 1)));
      if (address.isUnresolved()) {
        gone.put(i, "has a host name that does not resolve");
        continue;
      }
      try (Socket s = new Socket()) {
        s.connect(address, timeoutMs);
      } catch (SocketTimeoutException e) {
        gone.put(i, "does not answer within " + timeoutMs + " ms");
      } catch (IOException e) {
        gone.put(i, "refuses connections");
      }
    }
    return gone;
  }

  /**
   * One line for a collective failure on this worker, naming the task(s) that stopped answering
   * and what happens next: with {@code supervised}, the supervisor restarts every worker itself;
   * otherwise the workers are to be restarted by hand.
   */
  public static String describe(Cluster cluster, double timeoutSeconds, boolean supervised) {
    Map<Integer, String> gone = unreachable(cluster, 2000);
    String who;
    if (gone.isEmpty()) {
      who = "every other worker's port still answers, so one of them is hung";
    } else {
      List<String> names = new ArrayList<>();
      gone.forEach((t, why) -> names.add("task " + t + " (" + cluster.addresses().get(t) + ") "
          + why));
      who = String.join(", ", names);
    }
    return "worker " + cluster.task() + ": a collective found no answer within " + timeoutSeconds
        + " s: " + who + (supervised
            ? "; the supervisor stops every worker and restarts them from the last checkpoint."
            : "; restart every worker from the last checkpoint (--resume).");
  }
}

package org.dynconv.train.distributed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dynconv.io.AtomicFiles;

/**
 * The workers of a data-parallel run and which one this process is: TensorFlow's job
 * {@code worker}, task {@code i} at {@code addresses[i]} ({@code host:port}). Task 0 is the chief:
 * it alone writes checkpoints, logs and the export.
 *
 * <p>Cluster file: one {@code host:port} per line in task order; blank lines and lines starting
 * with {@code #} are ignored. The same file is given to every worker.
 *
 * @param addresses every worker's {@code host:port}, in task order
 * @param task this process's index into {@code addresses}
 */
public record Cluster(List<String> addresses, int task) {
  public Cluster {
    if (addresses == null || addresses.isEmpty()) {
      throw new IllegalArgumentException("Cluster: addresses is empty; expected one host:port per"
          + " worker.");
    }
    addresses = List.copyOf(addresses);
    Set<String> seen = new HashSet<>();
    for (String a : addresses) {
      checkAddress(a, "Cluster");
      if (!seen.add(a)) {
        throw new IllegalArgumentException("Cluster: address '" + a + "' appears twice; expected"
            + " one address per worker.");
      }
    }
    if (task < 0 || task >= addresses.size()) {
      throw new IllegalArgumentException("Cluster: task is " + task + "; expected 0.."
          + (addresses.size() - 1) + " for " + addresses.size() + " workers.");
    }
  }

  /** Number of workers. */
  public int size() {
    return addresses.size();
  }

  /** True for task 0, the worker that writes. */
  public boolean chief() {
    return task == 0;
  }

  /** This task's address. */
  public String address() {
    return addresses.get(task);
  }

  /** The port this task listens on. */
  public int port() {
    String a = address();
    return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
  }

  /** The gRPC target of this task's own server. */
  public String target() {
    return "grpc://" + address();
  }

  /** The same cluster seen from task {@code t}. */
  public Cluster forTask(int t) {
    return new Cluster(addresses, t);
  }

  /** Reads a cluster file for task {@code task}; the message names the file and line at fault. */
  public static Cluster read(Path file, int task) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("cluster file '" + file + "' does not exist; expected one"
          + " host:port per line.");
    }
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      checkAddress(l, "cluster file '" + file + "' line " + (i + 1));
      addresses.add(l);
    }
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("cluster file '" + file + "' lists no worker; expected one"
          + " host:port per line.");
    }
    if (task < 0 || task >= addresses.size()) {
      throw new IllegalArgumentException("--task=" + task + " is out of range; cluster file '"
          + file + "' lists " + addresses.size() + " workers (tasks 0.." + (addresses.size() - 1)
          + ").");
    }
    return new Cluster(addresses, task);
  }

  /** Writes the cluster file (atomically). */
  public void write(Path file) throws IOException {
    AtomicFiles.writeString(file, "# dynconv cluster: one worker per line, task 0 first\n"
        + String.join("\n", addresses) + "\n");
  }

  /**
   * {@code n} workers on 127.0.0.1, each on a port free when this runs (the ports are released
   * again; another process could take one before the workers start, which they then report).
   */
  public static Cluster loopback(int n) throws IOException {
    if (n < 1) {
      throw new IllegalArgumentException("Cluster: workers is " + n + "; expected >= 1.");
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        addresses.add("127.0.0.1:" + s.getLocalPort());
      }
      return new Cluster(addresses, 0);
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static void checkAddress(String a, String where) {
    int colon = a == null ? -1 : a.lastIndexOf(':');
    boolean ok = colon > 0 && colon < a.length() - 1 && !a.contains(" ");
    if (ok) {
      try {
        int port = Integer.parseInt(a.substring(colon + 1));
        ok = port >= 1 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(where + ": '" + a + "' is not an address; expected"
          + " host:port with a port in 1..65535.");
    }
  }
}

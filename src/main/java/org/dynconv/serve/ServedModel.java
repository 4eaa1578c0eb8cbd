package org.dynconv.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;

/**
 * A model served under a name from a directory, as TF-Serving reads a model base path: numbered
 * version subdirectories ({@code DIR/1}, {@code DIR/2}, ...) of which the newest is served and a
 * newer one that appears is loaded in the background and swapped in; or a single SavedModel
 * directory, served as version 1.
 */
final class ServedModel {
  private final String name;
  private final Path dir;
  private final Threads threads;
  private final PrintStream log;
  private volatile ServedVersion current;
  private long failedVersion = -1;

  private ServedModel(String name, Path dir, Threads threads, PrintStream log) {
    this.name = name;
    this.dir = dir;
    this.threads = threads;
    this.log = log;
  }

  /** Loads the newest version now; fails when the directory holds no SavedModel. */
  static ServedModel open(String name, Path dir, Threads threads, PrintStream log)
      throws IOException {
    ServedModel m = new ServedModel(name, dir, threads, log);
    long v = m.newestVersion();
    if (v < 0) {
      throw new IllegalArgumentException("serve: --model " + name + "=" + dir + " holds no"
          + " SavedModel; expected DIR/saved_model.pb or numbered versions DIR/1/saved_model.pb.");
    }
    m.current = new ServedVersion(v, Predictor.load(m.versionDir(v), threads));
    log.printf("serve: model '%s' version %d from %s%n", name, v, m.versionDir(v));
    return m;
  }

  String name() {
    return name;
  }

  /** The served version, or null while stopping. */
  ServedVersion current() {
    return current;
  }

  /**
   * Loads a version newer than the served one if one has appeared, and swaps it in; the old one
   * closes once its requests are done. A version that fails to load is logged once and tried again
   * at the next poll.
   */
  synchronized void refresh() {
    try {
      long v = newestVersion();
      ServedVersion cur = current;
      if (cur == null || v <= cur.version()) {
        return;
      }
      Predictor p;
      try {
        p = Predictor.load(versionDir(v), threads);
      } catch (IllegalArgumentException e) {
        // Retried at the next poll (a version still being copied in may load then); logged once.
        if (failedVersion != v) {
          log.println("serve: model '" + name + "' version " + v + " not loaded: "
              + e.getMessage());
        }
        failedVersion = v;
        return;
      }
      current = new ServedVersion(v, p);
      cur.retire();
      log.printf("serve: model '%s' now serves version %d%n", name, v);
    } catch (IOException e) {
      log.println("serve: model '" + name + "': cannot list " + dir + ": " + e.getMessage());
    }
  }

  /** Stops serving: the current version closes once its requests are done. */
  synchronized void close() {
    ServedVersion cur = current;
    current = null;
    if (cur != null) {
      cur.retire();
    }
  }

  private boolean single() {
    return Files.isRegularFile(dir.resolve("saved_model.pb"));
  }

  private Path versionDir(long v) {
    return single() ? dir : dir.resolve(Long.toString(v));
  }

  /** The newest complete version (a numbered subdirectory holding saved_model.pb), or -1. */
  private long newestVersion() throws IOException {
    if (single()) {
      return 1;
    }
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    long best = -1;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.matches("\\d{1,18}") && Files.isRegularFile(p.resolve("saved_model.pb"))
            && Files.isDirectory(p.resolve("variables"))) {
          best = Math.max(best, Long.parseLong(n));
        }
      }
    }
    return best;
  }
}

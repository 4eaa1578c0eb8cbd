package org.dynconv.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Writes that are all-or-nothing: content goes to a temporary file or directory beside the target
 * and is renamed into place, so a reader (or a run killed half-way) never sees half a file.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code text} to {@code target} atomically. */
  public static void writeString(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      setReadable(tmp);
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Temp files are created owner-only; published files get the usual rw-r--r--. */
  private static void setReadable(Path p) throws IOException {
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /** Writes ordered key=value pairs atomically (java.util.Properties escaping). */
  public static void writeProperties(Path target, Map<String, String> values) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (var e : values.entrySet()) {
      Properties one = new Properties();
      one.setProperty(e.getKey(), e.getValue());
      java.io.StringWriter w = new java.io.StringWriter();
      one.store(w, null);
      // Drop the date comment Properties.store writes, keeping the file reproducible.
      w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> sb.append(l).append('\n'));
    }
    writeString(target, sb.toString());
  }

  /** Reads a properties file, keeping the file's order. */
  public static Map<String, String> readProperties(Path file) throws IOException {
    Properties p = new Properties();
    String text = Files.readString(file, StandardCharsets.UTF_8);
    p.load(new StringReader(text));
    Map<String, String> out = new LinkedHashMap<>();
    text.lines().map(l -> l.split("=", 2)[0].trim()).filter(p::containsKey)
        .forEach(k -> out.put(k, p.getProperty(k)));
    return out;
  }

  /** Renames {@code from} to {@code to} atomically, replacing a file (not a non-empty dir). */
  public static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("AtomicFiles: cannot rename '" + from + "' to '" + to
          + "' atomically (different file systems?)", e);
    }
  }

  /** Deletes a file or a directory tree; no error if it does not exist. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

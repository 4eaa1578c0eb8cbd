package org.dynconv.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A temporary directory {@code .<name>.tmp-*} beside a target that is written there and renamed
 * into place, which does not outlive its writer: it is deleted on close, by a shutdown hook when
 * the JVM ends early (SIGTERM, Ctrl-C), and, should the process die without running hooks
 * (SIGKILL), by the next write to the same target. Each directory holds an exclusive lock on its
 * {@code .lock} file while in use, so the next writer deletes only directories whose writer is
 * gone.
 */
public final class StagingDirectory implements AutoCloseable {
  private static final String LOCK = ".lock";
  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;
  private final Thread hook;

  private StagingDirectory(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
    this.hook = new Thread(this::deleteQuietly, "dynconv-staging-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Removes stale staging directories of {@code target}, then creates a new one beside it. */
  public static StagingDirectory create(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    String prefix = "." + target.getFileName() + ".tmp-";
    Files.createDirectories(parent);
    removeStale(parent, prefix);
    Path dir = Files.createTempDirectory(parent, prefix);
    FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    return new StagingDirectory(dir, ch, ch.lock());
  }

  /** Deletes {@code prefix*} directories in {@code parent} whose lock is free (writer gone). */
  static void removeStale(Path parent, String prefix) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p ->
        p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))) {
      for (Path stale : ds) {
        Path lockFile = stale.resolve(LOCK);
        if (!Files.exists(lockFile)) {
          AtomicFiles.deleteTree(stale);
          continue;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock()) {
          if (l != null) {
            l.release();
            AtomicFiles.deleteTree(stale);
          }
        } catch (OverlappingFileLockException heldHere) {
          // Locked by this JVM: a live writer.
        }
      }
    }
  }

  public Path path() {
    return dir;
  }

  private void deleteQuietly() {
    try {
      release();
      AtomicFiles.deleteTree(dir);
    } catch (IOException ignored) {
      // Best effort at exit; the next writer removes what is left.
    }
  }

  private void release() throws IOException {
    if (lock.isValid()) {
      lock.release();
    }
    channel.close();
  }

  /** Deletes the directory (whatever was not moved out of it) and drops the shutdown hook. */
  @Override
  public void close() throws IOException {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
    release();
    AtomicFiles.deleteTree(dir);
  }
}

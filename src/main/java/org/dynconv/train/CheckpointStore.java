package org.dynconv.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.dynconv.io.AtomicFiles;
import org.tensorflow.Session;

/**
 * A run's checkpoints: {@code <run>/checkpoints/ckpt-<step>/} each holding the TF V2 checkpoint
 * of every variable of the training graph ({@code model.index}, {@code model.data-*}) and {@code
 * state.properties}, plus a {@code latest} file naming the newest.
 *
 * <p>A checkpoint is written into a temporary directory and renamed into place, and {@code latest}
 * is replaced atomically afterwards; the newest and the one before it are kept. A run killed at
 * any moment leaves at worst a temporary directory (removed on the next start) and a {@code
 * latest} naming a complete checkpoint.
 */
public final class CheckpointStore {
  private static final String PREFIX = "ckpt-";
  private static final int KEEP = 2;
  private final Path dir;

  public CheckpointStore(Path runDir) {
    this.dir = runDir.resolve("checkpoints");
  }

  /** A complete checkpoint on disk. */
  public record Checkpoint(Path dir, TrainState state) {
    /** The TF checkpoint prefix (without .index). */
    public Path prefix() {
      return dir.resolve("model");
    }
  }

  public Path dir() {
    return dir;
  }

  /** The checkpoint {@code latest} names, or the newest complete one if that file is missing. */
  public Optional<Checkpoint> latest() throws IOException {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Path latest = dir.resolve("latest");
    if (Files.isRegularFile(latest)) {
      Path named = dir.resolve(Files.readString(latest).trim());
      Optional<Checkpoint> c = read(named);
      if (c.isPresent()) {
        return c;
      }
    }
    List<Path> all = complete();
    return all.isEmpty() ? Optional.empty() : read(all.get(all.size() - 1));
  }

  /** Saves every variable of {@code session}'s graph and {@code state}, atomically. */
  public Checkpoint save(Session session, TrainState state) throws IOException {
    Files.createDirectories(dir);
    String name = String.format("%s%09d", PREFIX, state.step());
    Path target = dir.resolve(name);
    Path tmp = dir.resolve(".tmp-" + name + "-" + ProcessHandle.current().pid());
    AtomicFiles.deleteTree(tmp);
    Files.createDirectories(tmp);
    session.save(tmp.resolve("model").toString());
    AtomicFiles.writeProperties(tmp.resolve("state.properties"), state.toMap());
    AtomicFiles.deleteTree(target);
    AtomicFiles.move(tmp, target);
    AtomicFiles.writeString(dir.resolve("latest"), name + "\n");
    List<Path> all = complete();
    for (int i = 0; i < all.size() - KEEP; i++) {
      AtomicFiles.deleteTree(all.get(i));
    }
    return new Checkpoint(target, state);
  }

  /** Removes temporary directories left by a run that was killed while writing. */
  public void removeTemporaries() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList()) {
        AtomicFiles.deleteTree(p);
      }
    }
  }

  private List<Path> complete() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().startsWith(PREFIX))
          .filter(p -> read(p).isPresent()).sorted().forEach(out::add);
    }
    return out;
  }

  private static Optional<Checkpoint> read(Path ckpt) {
    Path state = ckpt.resolve("state.properties");
    if (!Files.isRegularFile(state) || !Files.isRegularFile(ckpt.resolve("model.index"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Checkpoint(ckpt,
          TrainState.fromMap(AtomicFiles.readProperties(state), state.toString())));
    } catch (IOException | IllegalStateException e) {
      return Optional.empty();
    }
  }
}

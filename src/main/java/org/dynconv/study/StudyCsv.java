package org.dynconv.study;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code results.csv}: one line per finished cell, appended (and synced) as each cell finishes, so
 * a study killed at any moment loses at most the cell in progress, whose run directory resumes
 * it. A partial last line (a kill during the write) is dropped on the next read.
 */
public final class StudyCsv {
  private final Path file;

  public StudyCsv(Path file) {
    this.file = file;
  }

  /** The rows written so far; an empty list for a new study. */
  public List<StudyRow> read() throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).equals(StudyRow.HEADER)) {
      throw new IllegalStateException("StudyCsv: '" + file + "' does not start with the header "
          + StudyRow.HEADER + "; expected a results.csv written by 'study'.");
    }
    List<StudyRow> rows = new ArrayList<>();
    String content = Files.readString(file, StandardCharsets.UTF_8);
    boolean complete = content.endsWith("\n");
    for (int i = 1; i < lines.size(); i++) {
      if (i == lines.size() - 1 && !complete) {
        break;
      }
      if (!lines.get(i).isBlank()) {
        rows.add(StudyRow.parse(lines.get(i), "'" + file + "' line " + (i + 1)));
      }
    }
    return rows;
  }

  /** Appends one row and syncs it to disk. */
  public void append(StudyRow row) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (Files.exists(file)) {
      String content = Files.readString(file, StandardCharsets.UTF_8);
      if (!content.isEmpty() && !content.endsWith("\n")) {
        // A kill during the last write left a partial line: drop it.
        Files.writeString(file, content.substring(0, content.lastIndexOf('\n') + 1),
            StandardCharsets.UTF_8);
      }
    } else {
      Files.writeString(file, StudyRow.HEADER + "\n", StandardCharsets.UTF_8);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap((row.csv() + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
  }
}

package org.dynconv.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dynconv.testing.PauseAt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export killed while staged leaves nothing behind: SIGTERM runs the cleanup hook; a SIGKILL
 * leaves the staging directory, which the next export to the same target removes. A staging
 * directory whose writer is alive is kept.
 */
class StagingDirectoryTest {
  private static Process child(Path target) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Djdk.attach.allowAttachSelf=true", "-cp",
        System.getProperty("java.class.path"), PauseAt.class.getName(), "export:120000",
        ExportChild.class.getName(), target.toString());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    return pb.start();
  }

  /** Waits for the child to pause with the export staged. */
  private static void awaitPause(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = r.readLine()) != null; ) {
      seen.append(line).append('\n');
      if (line.contains("paused at export")) {
        return;
      }
    }
    throw new AssertionError("child ended before the export was staged:\n" + seen);
  }

  private static List<Path> staged(Path parent) throws IOException {
    try (Stream<Path> s = Files.list(parent)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".model.tmp-")).toList();
    }
  }

  @Test
  void sigtermRemovesTheStagingDirectory(@TempDir Path dir) throws Exception {
    Path target = dir.resolve("model");
    Process p = child(target);
    awaitPause(p);
    assertEquals(1, staged(dir).size());
    p.destroy();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(List.of(), staged(dir));
    assertFalse(Files.exists(target));
  }

  @Test
  void sigkillLeavesOneThatTheNextExportRemoves(@TempDir Path dir) throws Exception {
    Path target = dir.resolve("model");
    Process p = child(target);
    awaitPause(p);
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, staged(dir).size());
    try (StagingDirectory live = StagingDirectory.create(target)) {
      // The killed writer's directory is gone; the live one is kept by a second writer.
      assertEquals(List.of(live.path()), staged(dir));
      StagingDirectory.removeStale(dir, ".model.tmp-");
      assertEquals(List.of(live.path()), staged(dir));
    }
    assertEquals(List.of(), staged(dir));
  }
}

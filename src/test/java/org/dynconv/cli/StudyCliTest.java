package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code study}'s refusals come before any work, with one line and the documented exit code. */
class StudyCliTest {
  @TempDir Path dir;

  private static void fails(int exit, String message, String... args) {
    CliTestSupport.Run r = CliTestSupport.inProcess(args);
    assertEquals(List.of(message), CliTestSupport.dynconvLines(r.err()), r.err());
    assertEquals(exit, r.exit(), r.err());
  }

  @Test
  void anOutputPathThatIsAFileIsAUsageError() throws IOException {
    Path file = Files.writeString(dir.resolve("results.txt"), "not a directory");
    fails(2, "dynconv study: --out=" + file + " is a file; expected a directory for results.csv,"
        + " timing.csv, runs/ and the pictures.", "study", "--quick", "--out", file.toString());
  }

  @Test
  void reportOnlyOnADirectoryWithoutResultsFails() {
    Path empty = dir.resolve("empty");
    fails(1, "dynconv study: error: --report-only: '" + empty.resolve("results.csv") + "' does not"
        + " exist; expected a study directory (run study --out " + empty + " first).", "study",
        "--report-only", "--out", empty.toString());
    assertFalse(Files.exists(empty), "nothing written");
  }

  @Test
  void aValidationSplitLargerThanTheEmbeddedSubsetIsAUsageError() {
    Path out = dir.resolve("study");
    fails(2, "dynconv study: --validation=20000 is invalid for the embedded subset of 10000"
        + " training images; expected 10 to 9999, or --data with the full Fashion-MNIST.", "study",
        "--validation", "20000", "--out", out.toString());
    assertFalse(Files.exists(out), "nothing written");
  }
}

package org.dynconv.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.dynconv.cli.Main;
import org.dynconv.testing.Csv;
import org.dynconv.testing.PauseAt;
import org.dynconv.train.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills training with SIGKILL at chosen moments (inside a checkpoint write, and at random moments
 * during steps), resumes each time, and checks nothing is lost beyond one checkpoint interval,
 * no checkpoint is corrupt, and the finished run is bit-identical to one never interrupted.
 */
class CrashResumeTest {
  static final int EVERY = 4;

  static List<String> args(Path out, boolean resume) {
    List<String> a = new ArrayList<>(List.of("train", "--conv", "dynamic", "--train-limit", "640",
        "--batch-size", "32", "--epochs", "2", "--checkpoint-every", Integer.toString(EVERY),
        "--seed", "9", "--no-export", "--out", out.toString()));
    if (resume) {
      a.add("--resume");
    }
    return a;
  }

  static Process start(List<String> args, String fault) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Djdk.attach.allowAttachSelf=true", "-cp",
        System.getProperty("java.class.path")));
    if (fault != null) {
      cmd.addAll(List.of(PauseAt.class.getName(), fault));
    }
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    return pb.start();
  }

  /** Reads output until a line contains {@code marker}; returns everything read. */
  static String readUntil(Process p, String marker) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    StringBuilder sb = new StringBuilder();
    for (String line; (line = r.readLine()) != null; ) {
      sb.append(line).append('\n');
      if (line.contains(marker)) {
        return sb.toString();
      }
    }
    throw new AssertionError("process ended before '" + marker + "':\n" + sb);
  }

  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly(); // SIGKILL on Linux
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
  }

  static long latestStep(Path run) throws IOException {
    return new CheckpointStore(run).latest().orElseThrow().state().step();
  }

  static int resumedAt(String out) {
    Matcher m = Pattern.compile("resuming small-cnn-dynamic at epoch \\d+, step (\\d+)").matcher(out);
    assertTrue(m.find(), out);
    return Integer.parseInt(m.group(1));
  }

  @Test
  void killedRunsResumeToTheSameWeights(@TempDir Path dir) throws Exception {
    Path straight = dir.resolve("straight"), crashed = dir.resolve("crashed");
    Process a = start(args(straight, false), null);
    String outA = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(a.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, a.exitValue(), outA);

    // 1. Killed inside the third checkpoint write (after step 12): the temporary directory is
    //    complete but not renamed, so 'latest' still names step 8.
    Process b = start(args(crashed, false), "checkpoint:60000:3");
    readUntil(b, "paused at checkpoint");
    kill(b);
    assertEquals(2 * EVERY, latestStep(crashed));
    try (Stream<Path> s = Files.list(crashed.resolve("checkpoints"))) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-")),
          "the interrupted write left only a temporary directory");
    }

    // 2. Resumed, then killed at a random moment during the steps.
    SplittableRandom rnd = new SplittableRandom(42);
    long before = latestStep(crashed);
    Process c = start(args(crashed, true), null);
    String outC = readUntil(c, "training small-cnn-dynamic");
    assertEquals(before, resumedAt(outC));
    Thread.sleep(1500 + rnd.nextInt(2500));
    kill(c);
    long afterSecondKill = latestStep(crashed);
    assertTrue(afterSecondKill >= before, "checkpoints never go backwards");

    // 3. Resumed to the end.
    Process d = start(args(crashed, true), null);
    String outD = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(d.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, d.exitValue(), outD);
    int resumed = resumedAt(outD);
    assertEquals(afterSecondKill, resumed, "resumes from the last checkpoint, losing at most "
        + EVERY + " steps");
    try (Stream<Path> s = Files.list(crashed.resolve("checkpoints"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")),
          "temporary directories are cleaned up on resume");
    }
    Path end = Path.of("checkpoints", "ckpt-000000040", "model.data-00000-of-00001");
    assertArrayEquals(Files.readAllBytes(straight.resolve(end)), Files.readAllBytes(crashed.resolve(end)),
        "the interrupted run ends with the same weights, slots and statistics");
    assertEquals(Csv.withoutSeconds(Files.readString(straight.resolve("log.csv"))),
        Csv.withoutSeconds(Files.readString(crashed.resolve("log.csv"))));
    assertEquals(Files.readString(straight.resolve("routing_entropy.csv")),
        Files.readString(crashed.resolve("routing_entropy.csv")));
  }
}

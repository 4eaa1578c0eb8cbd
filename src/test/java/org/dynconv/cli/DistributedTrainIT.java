package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dynconv.checkpoint.CheckpointDiff;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.train.CheckpointStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --workers 2} end to end in child JVMs: a clean run, and runs whose worker 1 is
 * killed or hung after the first checkpoints, which the supervisor restarts from the last
 * checkpoint and which end with the clean run's weights.
 */
class DistributedTrainIT {
  @TempDir
  static Path dir;
  static Path clean;

  static String[] args(Path out) {
    return new String[] {"train", "--workers", "2", "--epochs", "2", "--train-limit", "512",
        "--batch-size", "16", "--threads", "1", "--checkpoint-every", "4",
        "--collective-timeout", "8", "--no-export", "--out", out.toString()};
  }

  @BeforeAll
  static void uninterruptedRun() throws Exception {
    clean = dir.resolve("clean");
    CliTestSupport.Run a = CliTestSupport.forked(dir, Map.of(), args(clean));
    assertEquals(0, a.exit(), a.out() + a.err());
    assertTrue(a.out().contains("worker 0 of 2 (global batch 32)"), a.out());
    assertTrue(Files.readString(clean.resolve("worker-1.log")).contains("worker 1 of 2"));
  }

  @Test
  void aKilledWorkerIsRestartedAndTheRunEndsAsAnUninterruptedOne() throws Exception {
    CliTestSupport.Run b = faultAfterStep8("killed", p -> p.destroyForcibly());
    assertTrue(b.out().contains("supervisor: worker 1 exited with code 137"), b.out());
    // The surviving worker's failure, and the gRPC pages that come with a peer going away, stay
    // in its log; the console has the supervisor's lines and no page of errors.
    assertTrue(b.err().lines().noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("grpc")
        || l.contains("UNAVAILABLE") || l.contains("collective")), b.err());
    String log = Files.readString(dir.resolve("killed").resolve("worker-0.log"));
    assertTrue(!log.contains("--resume"), "a supervised worker does not ask for --resume:\n" + log);
  }

  /**
   * A stopped (SIGSTOP) worker still accepts connections: worker 0's collective times out, it
   * says one worker is hung, and the supervisor names worker 1, still running after the grace.
   */
  @Test
  void aHungWorkerIsNamedStoppedAndRestarted() throws Exception {
    CliTestSupport.Run b = faultAfterStep8("hung", p -> {
      try {
        new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertTrue(b.out().contains("supervisor: worker 0 exited with code 1: worker 0: a collective"
        + " found no answer within 8.0 s: every other worker's port still answers, so one of them"
        + " is hung; the supervisor stops every worker and restarts them from the last"
        + " checkpoint. (its log: "), b.out());
    assertTrue(b.out().contains("supervisor: worker 1 was hung"), b.out());
  }

  /**
   * Runs the clean run's command in {@code name}, does {@code fault} to worker 1 once step 8 is
   * checkpointed, and checks the supervisor's restart and the final weights.
   */
  private static CliTestSupport.Run faultAfterStep8(String name,
      java.util.function.Consumer<ProcessHandle> fault) throws Exception {
    Path faulty = dir.resolve(name);
    CompletableFuture<CliTestSupport.Run> run = CompletableFuture.supplyAsync(() -> {
      try {
        return CliTestSupport.forked(dir, Map.of(), args(faulty));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Path eighth = faulty.resolve("checkpoints").resolve("ckpt-000000008");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.isDirectory(eighth) && System.nanoTime() < deadline && !run.isDone()) {
      Thread.sleep(100);
    }
    assertTrue(Files.isDirectory(eighth), "the run reached step 8");
    List<ProcessHandle> victims = ProcessHandle.allProcesses().filter(p -> commandLine(p)
        .map(c -> c.contains("--task 1") && c.contains(faulty.toString())).orElse(false)).toList();
    assertEquals(1, victims.size(), "worker 1 of the run");
    fault.accept(victims.get(0));
    CliTestSupport.Run b = run.get(5, TimeUnit.MINUTES);
    assertEquals(0, b.exit(), b.out() + b.err());
    assertTrue(b.out().contains("supervisor: restart 1 of 2: every worker resumes from"), b.out());

    CheckpointStore.Checkpoint x = new CheckpointStore(clean).latest().orElseThrow();
    CheckpointStore.Checkpoint y = new CheckpointStore(faulty).latest().orElseThrow();
    assertEquals(x.state().step(), y.state().step());
    CheckpointDiff.Result d = CheckpointDiff.compare(TensorBundle.open(x.prefix()),
        TensorBundle.open(y.prefix()));
    assertTrue(d.agrees(1e-5), "largest difference " + d.largest());
    return b;
  }

  /**
   * A process's whole command line, from /proc: the JDK's {@code ProcessHandle.Info.commandLine()}
   * stops at 4,096 characters, and a worker's class path alone is longer than that.
   */
  private static java.util.Optional<String> commandLine(ProcessHandle p) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
      return java.util.Optional.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8)
          .replace('\0', ' '));
    } catch (java.io.IOException | SecurityException gone) {
      return java.util.Optional.empty();
    }
  }
}

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --workers 2} end to end in child JVMs: a clean run, and a run whose worker 1 is
 * killed after the first checkpoints, which the supervisor restarts from the last checkpoint and
 * which ends with the clean run's weights.
 */
class DistributedTrainIT {
  @TempDir
  Path dir;

  static String[] args(Path out) {
    return new String[] {"train", "--workers", "2", "--epochs", "2", "--train-limit", "512",
        "--batch-size", "16", "--threads", "1", "--checkpoint-every", "4",
        "--collective-timeout", "20", "--no-export", "--out", out.toString()};
  }

  @Test
  void aKilledWorkerIsRestartedAndTheRunEndsAsAnUninterruptedOne() throws Exception {
    Path clean = dir.resolve("clean");
    CliTestSupport.Run a = CliTestSupport.forked(dir, Map.of(), args(clean));
    assertEquals(0, a.exit(), a.out() + a.err());
    assertTrue(a.out().contains("worker 0 of 2 (global batch 32)"), a.out());
    assertTrue(Files.isRegularFile(clean.resolve("worker-1.log")));
    assertTrue(Files.readString(clean.resolve("worker-1.log")).contains("worker 1 of 2"));

    Path faulty = dir.resolve("faulty");
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
    assertTrue(Files.isDirectory(eighth), "the faulty run reached step 8");
    List<ProcessHandle> victims = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
        .map(c -> c.contains("--task 1") && c.contains(faulty.toString())).orElse(false)).toList();
    assertEquals(1, victims.size(), "worker 1 of the faulty run");
    victims.get(0).destroyForcibly();
    CliTestSupport.Run b = run.get(5, TimeUnit.MINUTES);
    assertEquals(0, b.exit(), b.out() + b.err());
    assertTrue(b.out().contains("supervisor: worker 1 exited with code 137"), b.out());
    assertTrue(b.out().contains("supervisor: restart 1 of 2: every worker resumes from"), b.out());

    CheckpointStore.Checkpoint x = new CheckpointStore(clean).latest().orElseThrow();
    CheckpointStore.Checkpoint y = new CheckpointStore(faulty).latest().orElseThrow();
    assertEquals(x.state().step(), y.state().step());
    CheckpointDiff.Result d = CheckpointDiff.compare(TensorBundle.open(x.prefix()),
        TensorBundle.open(y.prefix()));
    assertTrue(d.agrees(1e-5), "largest difference " + d.largest());
  }
}

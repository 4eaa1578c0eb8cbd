package org.dynconv.train.distributed;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dynconv.train.CheckpointStore;

/**
 * Runs the workers of a data-parallel run on this machine as child processes ({@code train
 * --workers N}): picks free loopback ports, writes the cluster file, starts one JVM per task with
 * the same train arguments plus {@code --cluster FILE --task i}, and watches them. Worker 0's
 * output goes to this process's; worker i's to {@code <run>/worker-i.log}.
 *
 * <p>When a worker fails (exit code other than 0 and 2), the others are stopped and, while
 * restarts remain and a checkpoint exists, every worker is started again with {@code --resume}
 * on new ports (a failed collective poisons its process, so survivors cannot continue). A worker
 * exiting with 2 (bad arguments) ends the run at once with 2.
 */
public final class Supervisor {
  /**
   * @param trainArgs the train command's arguments without --workers (with --out)
   * @param runDir the run directory (holds the cluster file and the worker logs)
   * @param workers processes to start
   * @param maxRestarts restarts of all workers after a failure
   * @param out where the supervisor reports
   */
  public record Launch(List<String> trainArgs, Path runDir, int workers, int maxRestarts,
      PrintStream out) {
    public Launch {
      trainArgs = List.copyOf(trainArgs);
      if (workers < 2) {
        throw new IllegalArgumentException("Supervisor: workers is " + workers
            + "; expected >= 2 (one worker trains in this process).");
      }
      if (maxRestarts < 0) {
        throw new IllegalArgumentException("Supervisor: maxRestarts is " + maxRestarts
            + "; expected >= 0.");
      }
    }
  }

  /** The environment variable through which a worker learns its supervisor's process id. */
  public static final String PARENT_ENV = "DYNCONV_SUPERVISOR_PID";

  /** Whether this process is a worker started by a supervisor. */
  public static boolean supervised() {
    return System.getenv(PARENT_ENV) != null;
  }

  /**
   * In a worker started by a supervisor: a daemon thread that ends this process (exit 1) once
   * the supervisor is gone, so that no worker outlives a killed supervisor. Does nothing
   * elsewhere.
   */
  public static void watchParent() {
    String pid = System.getenv(PARENT_ENV);
    if (pid == null) {
      return;
    }
    java.util.Optional<ProcessHandle> parent;
    try {
      parent = ProcessHandle.of(Long.parseLong(pid));
    } catch (NumberFormatException e) {
      return;
    }
    Thread t = new Thread(() -> {
      while (parent.map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.err.println("dynconv train: the supervisor (process " + pid + ") is gone; stopping");
      Runtime.getRuntime().halt(1);
    }, "dynconv-supervisor-watch");
    t.setDaemon(true);
    t.start();
  }

  /** The cluster file a supervised run writes into its run directory. */
  public static final String CLUSTER_FILE = "cluster.txt";

  private Supervisor() {}

  /** Runs the workers to the end; returns the exit code for the train command. */
  public static int run(Launch l) throws IOException, InterruptedException {
    Files.createDirectories(l.runDir());
    boolean resume = l.trainArgs().contains("--resume");
    for (int attempt = 0; ; attempt++) {
      Cluster cluster = Cluster.loopback(l.workers());
      Path file = l.runDir().resolve(CLUSTER_FILE);
      cluster.write(file);
      List<Process> procs = new ArrayList<>();
      Thread reaper = new Thread(() -> procs.forEach(Process::destroyForcibly));
      Runtime.getRuntime().addShutdownHook(reaper);
      int failed = -1, code = 0;
      List<Integer> hung = List.of();
      try {
        for (int i = 0; i < l.workers(); i++) {
          List<String> cmd = new ArrayList<>(javaCommand());
          cmd.add("train");
          cmd.addAll(l.trainArgs());
          if (resume && !l.trainArgs().contains("--resume")) {
            cmd.add("--resume");
          }
          cmd.addAll(List.of("--cluster", file.toString(), "--task", Integer.toString(i)));
          ProcessBuilder pb = new ProcessBuilder(cmd);
          // A worker exits when this process is gone, even if it was killed without a chance
          // to stop them (see watchParent).
          pb.environment().put(PARENT_ENV, Long.toString(ProcessHandle.current().pid()));
          File log = l.runDir().resolve("worker-" + i + ".log").toFile();
          if (i == 0) {
            // Worker 0's progress shows on the console; its errors, and the pages gRPC and
            // TensorFlow log when a peer goes away, go to its log, and the supervisor repeats
            // its one-line error (errorLine) when it fails.
            pb.redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.appendTo(log));
          } else {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
          }
          procs.add(pb.start());
        }
        // Wait until all end well or one fails.
        while (failed < 0) {
          boolean allDone = true, anyFailed = false;
          for (Process p : procs) {
            allDone &= !p.isAlive();
            anyFailed |= !p.isAlive() && p.exitValue() != 0;
          }
          if (anyFailed) {
            // A worker killed by a signal makes its peers fail at once (connection refused):
            // let near-simultaneous exits settle, then blame the one a signal ended, if any.
            Thread.sleep(SETTLE_MILLIS);
            failed = cause(procs);
            code = procs.get(failed).exitValue();
          } else if (allDone) {
            return 0;
          } else {
            Thread.sleep(200);
          }
        }
        hung = hungWorkers(procs, failed, code);
      } finally {
        stopAll(procs);
        Runtime.getRuntime().removeShutdownHook(reaper);
      }
      Path failedLog = l.runDir().resolve("worker-" + failed + ".log");
      String error = errorLine(failedLog);
      l.out().printf("supervisor: worker %d exited with code %d%s (its log: %s); stopped the other"
          + " workers%n", failed, code, error == null ? "" : ": " + error, failedLog);
      for (int h : hung) {
        l.out().printf("supervisor: worker %d was hung: still running %d s after worker %d's"
            + " collective failed, when a live worker's would have failed too%n", h,
            HUNG_GRACE_SECONDS, failed);
      }
      if (code == 2) {
        return 2;
      }
      var last = new CheckpointStore(l.runDir()).latest();
      if (attempt >= l.maxRestarts() || last.isEmpty()) {
        l.out().printf("supervisor: giving up after %d restart%s%s%n", attempt,
            attempt == 1 ? "" : "s", last.isEmpty() ? " (no checkpoint to restart from)" : "");
        return 1;
      }
      resume = true;
      l.out().printf("supervisor: restart %d of %d: every worker resumes from %s%n", attempt + 1,
          l.maxRestarts(), last.get().dir());
    }
  }

  private static final long SETTLE_MILLIS = 1000;

  /** The last one-line error dynconv wrote to a worker's log ("dynconv train: ..."), or null. */
  static String errorLine(Path log) {
    try {
      if (!Files.isRegularFile(log)) {
        return null;
      }
      String last = null;
      for (String line : Files.readAllLines(log, java.nio.charset.StandardCharsets.UTF_8)) {
        if (line.startsWith("dynconv train: ")) {
          last = line.substring("dynconv train: ".length()).replaceFirst("^error: ", "");
        }
      }
      return last;
    } catch (IOException | java.io.UncheckedIOException e) {
      return null;
    }
  }

  /** The ended worker to blame: the first one a signal ended (exit > 128), else the first failed. */
  private static int cause(List<Process> procs) {
    int first = -1;
    for (int i = 0; i < procs.size(); i++) {
      Process p = procs.get(i);
      if (!p.isAlive() && p.exitValue() != 0) {
        if (p.exitValue() > 128) {
          return i;
        }
        if (first < 0) {
          first = i;
        }
      }
    }
    return first;
  }

  /** Seconds the other workers get to fail after one reported a collective failure. */
  static final int HUNG_GRACE_SECONDS = 10;

  /**
   * After worker {@code failed} reported an error (exit 1, as on a collective timeout), every
   * live worker's collectives time out within moments of it; the workers still running after a
   * grace period are the hung ones. A worker that died of a signal (exit > 128) is itself the
   * cause, so nothing is looked for then.
   */
  private static List<Integer> hungWorkers(List<Process> procs, int failed, int code)
      throws InterruptedException {
    if (code != 1) {
      return List.of();
    }
    long deadline = System.nanoTime() + HUNG_GRACE_SECONDS * 1_000_000_000L;
    for (Process p : procs) {
      p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    List<Integer> hung = new ArrayList<>();
    for (int i = 0; i < procs.size(); i++) {
      if (i != failed && procs.get(i).isAlive()) {
        hung.add(i);
      }
    }
    return hung;
  }

  private static void stopAll(List<Process> procs) throws InterruptedException {
    for (Process p : procs) {
      // A stopped (SIGSTOP) worker ignores SIGTERM; the forcible stop below still ends it.
      p.destroy();
    }
    for (Process p : procs) {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  /** This JVM's java binary and class path, running dynconv's command line. */
  private static List<String> javaCommand() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-cp", System.getProperty("java.class.path"), "org.dynconv.cli.Main");
  }
}

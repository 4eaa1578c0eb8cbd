package org.dynconv.cli;

import org.dynconv.graph.Threads;
import picocli.CommandLine.Option;

/** The TensorFlow thread options every command that runs a model shares. */
final class ThreadOptions {
  @Option(names = "--threads", defaultValue = "0",
      description = "TensorFlow intra-op threads, and the threads of dynconv's own kernels;"
          + " 0 = one per core (default).")
  int threads;

  @Option(names = "--inter-op-threads", defaultValue = "0",
      description = "TensorFlow inter-op threads; 0 = default.")
  int interOpThreads;

  Threads value() {
    check("--threads", threads);
    check("--inter-op-threads", interOpThreads);
    // dynconv's own kernels run on threads of their own; they take the intra-op count too.
    org.dynconv.conv.kernels.KernelLibrary.useThreads(threads);
    return new Threads(threads, interOpThreads);
  }

  private static void check(String option, int v) {
    if (v < 0 || v > Threads.MAX) {
      throw new CliErrors.UsageError(option + "=" + v + " is invalid; expected an integer from 0 to "
          + Threads.MAX + " (0 = TensorFlow's default).");
    }
  }
}

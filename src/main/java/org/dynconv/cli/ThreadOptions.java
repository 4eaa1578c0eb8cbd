package org.dynconv.cli;

import org.dynconv.graph.Threads;
import picocli.CommandLine.Option;

/** The TensorFlow thread options every command that runs a model shares. */
final class ThreadOptions {
  @Option(names = "--threads", defaultValue = "0",
      description = "TensorFlow intra-op threads; 0 = one per core (default).")
  int threads;

  @Option(names = "--inter-op-threads", defaultValue = "0",
      description = "TensorFlow inter-op threads; 0 = default.")
  int interOpThreads;

  Threads value() {
    try {
      return new Threads(threads, interOpThreads);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
  }
}

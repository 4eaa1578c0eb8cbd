package org.dynconv.graph;

import org.dynconv.config.Check;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow's thread pools for a session: intra-op (threads one op may use) and inter-op (ops run
 * concurrently). 0 leaves TensorFlow's default (the number of cores).
 */
public record Threads(int intraOp, int interOp) {
  /** The largest thread count accepted. */
  public static final int MAX = 1024;

  public Threads {
    Check.inRange("Threads", "intraOp", intraOp, 0, MAX);
    Check.inRange("Threads", "interOp", interOp, 0, MAX);
  }

  public static Threads defaults() {
    return new Threads(0, 0);
  }

  public ConfigProto config() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOp)
        .setInterOpParallelismThreads(interOp)
        .build();
  }

  /** A session on {@code graph} with these thread settings. */
  public Session session(Graph graph) {
    return new Session(graph, config());
  }

  @Override
  public String toString() {
    return "intra-op " + (intraOp == 0 ? "default" : intraOp) + ", inter-op "
        + (interOp == 0 ? "default" : interOp);
  }
}

package org.dynconv.train.distributed;

import org.dynconv.graph.Threads;
import org.tensorflow.Server;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * Starts TensorFlow's gRPC server for one task of a {@link Cluster} (job {@code worker}).
 *
 * <p>Two facts of TensorFlow 2.18 shape this: the collective group leader must be in the server's
 * default session config (set only in a session's config, every collective waits for its timeout),
 * and a started server cannot be stopped ({@code Server.stop()} is unimplemented): it and its port
 * live until the process exits. The server listens on every interface without authentication.
 */
public final class WorkerServer {
  /** The device name of the chief, which resolves collective groups. */
  public static final String LEADER = "/job:worker/replica:0/task:0";

  private WorkerServer() {}

  /**
   * Starts this task's server.
   *
   * @throws IllegalStateException naming the address when the port cannot be bound
   */
  public static Server start(Cluster cluster, Threads threads) {
    JobDef.Builder job = JobDef.newBuilder().setName("worker");
    for (int i = 0; i < cluster.size(); i++) {
      job.putTasks(i, cluster.addresses().get(i));
    }
    ConfigProto config = threads.config().toBuilder()
        .setExperimental(ConfigProto.Experimental.newBuilder().setCollectiveGroupLeader(LEADER))
        .build();
    ServerDef def = ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName("worker").setTaskIndex(cluster.task()).setProtocol("grpc")
        .setDefaultSessionConfig(config).build();
    try {
      Server s = new Server(def);
      s.start();
      return s;
    } catch (TensorFlowException e) {
      throw new IllegalStateException("worker " + cluster.task() + ": cannot listen on port "
          + cluster.port() + " (" + cluster.address() + "): " + firstLine(e.getMessage())
          + "; expected a free port (is another run using it?).", e);
    }
  }

  /** The session config of a worker: its own device only, so ops without a device run there. */
  public static ConfigProto sessionConfig(Cluster cluster, Threads threads) {
    return threads.config().toBuilder().addDeviceFilters("/job:worker/task:" + cluster.task())
        .build();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

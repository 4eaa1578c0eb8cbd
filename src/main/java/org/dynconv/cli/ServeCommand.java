package org.dynconv.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.dynconv.data.Preprocess;
import org.dynconv.serve.ModelServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Serve SavedModels over TF-Serving's REST API:"
    + " GET /v1/models/NAME[/metadata], POST /v1/models/NAME[/versions/V]:predict. A directory"
    + " of numbered versions serves the newest and loads new ones as they appear. SIGTERM finishes"
    + " the requests in flight, then exits.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "DIR or NAME=DIR (repeatable): a"
      + " SavedModel, or a directory of numbered versions; NAME defaults to the directory's name.")
  List<String> models;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--port", defaultValue = "8501", description = "Port (default 8501, TF-Serving's"
      + " REST port; 0 picks a free one).")
  int port;

  @Option(names = "--grpc-port", defaultValue = "8500", description = "Port of TF-Serving's gRPC"
      + " API (PredictionService, ModelService) on the same host (default 8500, TF-Serving's;"
      + " 0 picks a free one; -1 serves REST only).")
  int grpcPort;

  @Option(names = "--max-concurrent", defaultValue = "16",
      description = "Predictions in flight before requests get 503 (default 16).")
  int maxConcurrent;

  @Option(names = "--max-body-bytes", defaultValue = "67108864",
      description = "Larger request bodies get 413 (default 64 MiB).")
  long maxBody;

  @Option(names = "--max-batch", defaultValue = "1024",
      description = "Larger batches get 400 (default 1024).")
  int maxBatch;

  @Option(names = "--poll-seconds", defaultValue = "2",
      description = "How often to look for new versions (default 2).")
  double pollSeconds;

  @Option(names = "--preprocess", defaultValue = "exact", description = "How encoded images"
      + " ({\"b64\": ...} inputs) become model inputs: exact (default), resize or google.")
  String preprocess;

  @Option(names = "--max-pixels", description = "Encoded images with more pixels get 400, from"
      + " their header, before they are decoded (default 16777216, 4096 x 4096).")
  long maxPixels = org.dynconv.data.ImageFiles.DEFAULT_MAX_PIXELS;

  @Option(names = "--read-timeout", defaultValue = "30", description = "Seconds a client may take"
      + " to send a request, headers and body; a slower one is disconnected (default 30).")
  int readTimeout;

  @Option(names = "--enable-batching", description = "Merge concurrent predict requests (REST and"
      + " gRPC) into batches, as TF-Serving's --enable_batching.")
  boolean enableBatching;

  @Option(names = "--max-batch-size", defaultValue = "64", description = "With batching: rows a"
      + " merged batch holds at most (default 64).")
  int maxBatchSize;

  @Option(names = "--batch-timeout-micros", defaultValue = "2000", description = "With batching:"
      + " how long a batch waits for more requests, in microseconds (default 2000).")
  long batchTimeoutMicros;

  @Option(names = "--num-batch-threads", defaultValue = "1", description = "With batching:"
      + " batches run at once (default 1).")
  int numBatchThreads;

  @Option(names = "--max-enqueued-batches", defaultValue = "16", description = "With batching:"
      + " batches waiting to run before new requests get 503 / UNAVAILABLE (default 16).")
  int maxEnqueuedBatches;

  @Option(names = "--drain-seconds", defaultValue = "30",
      description = "On SIGTERM, how long to wait for requests in flight (default 30).")
  int drainSeconds;

  @Mixin ThreadOptions threads;

  @Override
  public Integer call() throws Exception {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String m : models) {
      String[] kv = m.split("=", 2);
      Path dir = Path.of(kv.length == 2 ? kv[1] : kv[0]);
      String name = kv.length == 2 ? kv[0] : dir.toAbsolutePath().normalize().getFileName()
          .toString();
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw new CliErrors.UsageError("--model " + m + ": the name '" + name + "' is invalid;"
            + " expected letters, digits, '.', '_' or '-'.");
      }
      if (dirs.put(name, dir) != null) {
        throw new CliErrors.UsageError("--model " + m + ": the name '" + name + "' is given twice;"
            + " expected NAME=DIR with distinct names.");
      }
    }
    if (port < 0 || port > 65535) {
      throw new CliErrors.UsageError("--port=" + port + " is invalid; expected 0 to 65535.");
    }
    if (grpcPort < -1 || grpcPort > 65535) {
      throw new CliErrors.UsageError("--grpc-port=" + grpcPort + " is invalid; expected -1 (no"
          + " gRPC) or 0 to 65535.");
    }
    ModelServer.Batching batching = null;
    if (enableBatching) {
      checkAtLeast1("--max-batch-size", maxBatchSize);
      checkAtLeast1("--num-batch-threads", numBatchThreads);
      checkAtLeast1("--max-enqueued-batches", maxEnqueuedBatches);
      if (batchTimeoutMicros < 0 || batchTimeoutMicros > 10_000_000) {
        throw new CliErrors.UsageError("--batch-timeout-micros=" + batchTimeoutMicros
            + " is invalid; expected 0 to 10000000 (10 s).");
      }
      batching = new ModelServer.Batching(maxBatchSize, batchTimeoutMicros, numBatchThreads,
          maxEnqueuedBatches);
    }
    ModelServer.Options opt;
    try {
      opt = new ModelServer.Options(host, port, grpcPort, maxConcurrent, maxBody, maxBatch,
          pollSeconds, Preprocess.parse(preprocess), maxPixels, readTimeout, batching);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    if (new java.net.InetSocketAddress(host, 0).isUnresolved()) {
      throw new CliErrors.UsageError("--host " + host + " does not resolve to an address; expected"
          + " a host name or address of this machine (default 127.0.0.1).");
    }
    ModelServer server;
    try {
      server = ModelServer.start(dirs, opt, threads.value(), System.out);
    } catch (java.net.BindException e) {
      boolean grpc = e.getMessage() != null && e.getMessage().startsWith("gRPC port");
      throw new IllegalStateException((grpc ? "--grpc-port " + grpcPort : "--port " + port)
          + " on " + host + " cannot be bound (" + e.getMessage() + "); expected a free port.", e);
    }
    // SIGTERM and SIGINT stop the server in order and the command returns 0, as a supervisor
    // expects of a clean stop; a shutdown hook alone would leave the JVM's exit status at 143.
    CountDownLatch stop = new CountDownLatch(1);
    for (String signal : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(signal), sig -> stop.countDown());
    }
    dirs.keySet().forEach(n -> System.out.printf("serve: http://%s:%d/v1/models/%s%n", host,
        server.port(), n));
    if (server.grpcPort() >= 0) {
      System.out.printf("serve: gRPC %s:%d (tensorflow.serving.PredictionService,"
          + " ModelService)%n", host, server.grpcPort());
    }
    System.out.flush();
    stop.await();
    System.out.println("serve: stopping; finishing the requests in flight");
    server.stop(drainSeconds);
    System.out.println("serve: stopped");
    System.out.flush();
    return 0;
  }

  private static void checkAtLeast1(String option, int value) {
    if (value < 1) {
      throw new CliErrors.UsageError(option + "=" + value + " is invalid; expected an integer >= 1.");
    }
  }
}

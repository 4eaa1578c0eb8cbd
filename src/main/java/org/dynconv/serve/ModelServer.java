package org.dynconv.serve;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.dynconv.config.Check;
import org.dynconv.data.ImageFiles;
import org.dynconv.data.Preprocess;
import org.dynconv.graph.Threads;

/**
 * Serves SavedModels over TF-Serving's REST API ({@link RestApi} on {@link RestServer}, Netty) and
 * its gRPC API ({@link GrpcApi}, grpc-java on Netty). Requests run concurrently on the
 * thread-safe {@link org.dynconv.infer.Predictor}; beyond {@code maxConcurrent} predictions in
 * flight a request gets 503. Every model directory is polled for new versions. {@link #stop}
 * answers new requests with 503, lets the requests in flight finish, then closes the listeners
 * and the models.
 */
public final class ModelServer implements AutoCloseable {
  /**
   * Settings.
   *
   * @param host address to bind (127.0.0.1 by default)
   * @param port REST port; 0 picks a free one
   * @param grpcPort gRPC port (TF-Serving's PredictionService and ModelService, {@link GrpcApi});
   *     0 picks a free one, -1 serves no gRPC
   * @param maxConcurrent predictions in flight before 503
   * @param maxBodyBytes request bodies above this get 413
   * @param maxBatch instances per request above this get 400
   * @param pollSeconds how often model directories are checked for new versions
   * @param preprocess how encoded images ({@code {"b64": ...}}) become model inputs
   * @param maxPixels encoded images above this many pixels get 400, from their header, before
   *     they are decoded
   * @param batching server-side batching of predict requests ({@link Batcher}), or null for none
   * @param readTimeoutSeconds a REST connection whose request (headers and body) has not arrived
   *     this long after its first byte is closed (the gRPC handshake has the same limit)
   */
  public record Options(String host, int port, int grpcPort, int maxConcurrent, long maxBodyBytes,
      int maxBatch, double pollSeconds, Preprocess preprocess, long maxPixels,
      int readTimeoutSeconds, Batching batching) {
    public Options {
      Check.notNull("ModelServer.Options", "host", host);
      Check.inRange("ModelServer.Options", "port", port, 0, 65535);
      Check.inRange("ModelServer.Options", "grpcPort", grpcPort, -1, 65535);
      Check.inRange("ModelServer.Options", "maxConcurrent", maxConcurrent, 1, 4096);
      Check.positive("ModelServer.Options", "maxBodyBytes", maxBodyBytes);
      Check.inRange("ModelServer.Options", "maxBatch", maxBatch, 1, 1 << 20);
      Check.positiveFinite("ModelServer.Options", "pollSeconds", pollSeconds);
      Check.notNull("ModelServer.Options", "preprocess", preprocess);
      Check.positive("ModelServer.Options", "maxPixels", maxPixels);
      Check.inRange("ModelServer.Options", "readTimeoutSeconds", readTimeoutSeconds, 1, 86_400);
    }

    /**
     * REST on 127.0.0.1:8501 and gRPC on 127.0.0.1:8500 (TF-Serving's ports), 16 in flight,
     * 64 MiB bodies and messages, batches of 1024, polling every 2 s, images of at most {@link
     * ImageFiles#DEFAULT_MAX_PIXELS} pixels.
     */
    public static Options defaults() {
      return new Options("127.0.0.1", 8501, 8500, 16, 64L << 20, 1024, 2, Preprocess.EXACT,
          ImageFiles.DEFAULT_MAX_PIXELS, 30, null);
    }

    /** The same options with server-side batching ({@code null}: none). */
    public Options withBatching(Batching b) {
      return new Options(host, port, grpcPort, maxConcurrent, maxBodyBytes, maxBatch, pollSeconds,
          preprocess, maxPixels, readTimeoutSeconds, b);
    }

    /** The same options with {@code n} predictions in flight at most (without batching). */
    public Options withMaxConcurrent(int n) {
      return new Options(host, port, grpcPort, n, maxBodyBytes, maxBatch, pollSeconds,
          preprocess, maxPixels, readTimeoutSeconds, batching);
    }

    /** The same options with REST on port {@code rest} and gRPC on {@code grpc} (-1: none). */
    public Options withPorts(int rest, int grpc) {
      return new Options(host, rest, grpc, maxConcurrent, maxBodyBytes, maxBatch, pollSeconds,
          preprocess, maxPixels, readTimeoutSeconds, batching);
    }
  }

  /**
   * Server-side batching, with TF-Serving's batching parameters by their names there ({@code
   * serve --enable-batching}).
   *
   * @param maxBatchSize rows a merged batch holds at most
   * @param batchTimeoutMicros how long the first request of a batch waits for others
   * @param numBatchThreads batches run at once
   * @param maxEnqueuedBatches closed batches waiting to run before new requests are refused
   */
  public record Batching(int maxBatchSize, long batchTimeoutMicros, int numBatchThreads,
      int maxEnqueuedBatches) {
    public Batching {
      Check.inRange("ModelServer.Batching", "maxBatchSize", maxBatchSize, 1, 1 << 16);
      if (batchTimeoutMicros < 0 || batchTimeoutMicros > 10_000_000) {
        throw Check.invalid("ModelServer.Batching", "batchTimeoutMicros", batchTimeoutMicros,
            "0 to 10000000 (10 s)");
      }
      Check.inRange("ModelServer.Batching", "numBatchThreads", numBatchThreads, 1, 256);
      Check.inRange("ModelServer.Batching", "maxEnqueuedBatches", maxEnqueuedBatches, 1, 1 << 16);
    }

    /** 64 rows, 2 ms, one batch thread, 16 batches enqueued: {@code serve}'s defaults. */
    public static Batching defaults() {
      return new Batching(64, 2000, 1, 16);
    }
  }

  private final Map<String, ServedModel> models;
  private final RestServer http;
  private final ScheduledExecutorService poller;
  private final Grpc grpc;
  private final Runs runs;

  /** The gRPC side: server and call threads; null when off. */
  private record Grpc(Server server, ExecutorService executor) {}

  private ModelServer(Map<String, ServedModel> models, RestServer http,
      ScheduledExecutorService poller, Grpc grpc, Runs runs) {
    this.models = models;
    this.http = http;
    this.poller = poller;
    this.grpc = grpc;
    this.runs = runs;
  }

  /**
   * Loads every model and starts serving.
   *
   * @param dirs model name to its directory (numbered versions or one SavedModel)
   */
  public static ModelServer start(Map<String, Path> dirs, Options opt, Threads threads,
      PrintStream log) throws IOException {
    Map<String, ServedModel> models = new LinkedHashMap<>();
    Grpc grpc = null;
    Runs runs = null;
    RestServer http = null;
    ScheduledExecutorService poller = null;
    try {
      for (var e : dirs.entrySet()) {
        models.put(e.getKey(), ServedModel.open(e.getKey(), e.getValue(), threads, log));
      }
      InetSocketAddress address = new InetSocketAddress(opt.host(), opt.port());
      if (address.isUnresolved()) {
        throw new IllegalArgumentException("ModelServer: host '" + opt.host() + "' does not"
            + " resolve to an address; expected a host name or address of this machine.");
      }
      runs = new Runs(opt.maxConcurrent(), opt.maxBatch(), opt.batching());
      RestApi api = new RestApi(models, runs, opt.maxBatch(), opt.preprocess(), opt.maxPixels());
      if (opt.grpcPort() >= 0) {
        grpc = startGrpc(address, opt, new GrpcApi(models, runs));
      }
      if (opt.batching() != null) {
        log.println("serve: " + Batcher.describe(opt.batching()));
      }
      poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dynconv-serve-poll");
        t.setDaemon(true);
        return t;
      });
      long ms = (long) (opt.pollSeconds() * 1000);
      poller.scheduleWithFixedDelay(() -> models.values().forEach(ServedModel::refresh), ms, ms,
          TimeUnit.MILLISECONDS);
      http = RestServer.start(address, api, opt.maxBodyBytes(), opt.readTimeoutSeconds(),
          opt.maxConcurrent());
      return new ModelServer(models, http, poller, grpc, runs);
    } catch (IOException | RuntimeException e) {
      if (poller != null) {
        poller.shutdownNow();
      }
      if (http != null) {
        http.close();
      }
      if (runs != null) {
        runs.close();
      }
      if (grpc != null) {
        grpc.server().shutdownNow();
        grpc.executor().shutdownNow();
      }
      models.values().forEach(ServedModel::close);
      throw e;
    }
  }

  /**
   * The gRPC server (grpc-java on Netty, non-blocking, so a slow client holds no thread): calls
   * run on {@code maxConcurrent + 4} threads (the model runs on at most {@code maxConcurrent} of
   * them), a message may be at most {@code maxBodyBytes}, at most {@code maxConcurrent} calls
   * are open per connection, and idle connections close after five minutes.
   */
  private static Grpc startGrpc(InetSocketAddress rest, Options opt, GrpcApi api)
      throws IOException {
    ExecutorService executor = Executors.newFixedThreadPool(opt.maxConcurrent() + 4, r -> {
      Thread t = new Thread(r, "dynconv-grpc");
      t.setDaemon(true);
      return t;
    });
    Server server = NettyServerBuilder
        .forAddress(new InetSocketAddress(rest.getAddress(), opt.grpcPort()))
        .executor(executor)
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, opt.maxBodyBytes()))
        .maxInboundMetadataSize(64 << 10)
        .maxConcurrentCallsPerConnection(opt.maxConcurrent())
        .maxConnectionIdle(5, TimeUnit.MINUTES)
        .handshakeTimeout(opt.readTimeoutSeconds(), TimeUnit.SECONDS)
        .addService(api.predictionService())
        .addService(api.modelService())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      executor.shutdownNow();
      throw new java.net.BindException("gRPC port " + opt.grpcPort() + ": " + e.getMessage());
    }
    return new Grpc(server, executor);
  }

  /** The REST port the server listens on (useful with port 0). */
  public int port() {
    return http.port();
  }

  /** Batches run and requests batched so far, or null without batching. */
  public long[] batchCounts() {
    return runs.batchCounts();
  }

  /** The gRPC port the server listens on (useful with port 0), or -1 without gRPC. */
  public int grpcPort() {
    return grpc == null ? -1 : grpc.server().getPort();
  }

  /**
   * Answers new REST requests with 503 and new gRPC calls with UNAVAILABLE, waits up to {@code
   * drainSeconds} for the requests and calls in flight, a request still being read and a call
   * still being sent included (returning as soon as there are none), closes the listeners and
   * every connection, then every model (each closes once its last request is done).
   */
  public void stop(int drainSeconds) {
    poller.shutdownNow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
    if (grpc != null) {
      grpc.server().shutdown();
    }
    try {
      http.drain(TimeUnit.SECONDS.toNanos(drainSeconds));
      if (grpc != null) {
        grpc.server().awaitTermination(Math.max(0, deadline - System.nanoTime()),
            TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (grpc != null) {
      grpc.server().shutdownNow();
      grpc.executor().shutdown();
    }
    http.close();
    runs.close();
    models.values().forEach(ServedModel::close);
  }

  @Override
  public void close() {
    stop(5);
  }
}

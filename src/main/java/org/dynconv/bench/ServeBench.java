package org.dynconv.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.serve.ModelServer;

/**
 * The model server under load: requests per second and p50/p99 latency of one-image predict
 * requests from 1, 16 and 64 concurrent HTTP clients on 127.0.0.1, to the server without batching
 * and with it ({@code serve --enable-batching}, its defaults), each beside the same model called
 * in process by as many threads (the baseline: same model, same multiply-adds, no HTTP or JSON).
 * The ratios are what the REST layer costs and what batching gains. Two models: the small CNN,
 * whose batch-1 run is so cheap that HTTP and JSON dominate, and MobileNetV2-0.5, whose many small
 * ops make a batch-1 run inefficient, as in the models batching is for.
 */
public final class ServeBench {
  /** The served models, cheapest first. */
  public static final List<String> MODELS = List.of("small-cnn-condconv",
      "mobilenetv2-0.5-condconv");

  private ServeBench() {}

  /**
   * One load level: unbatched HTTP, batched HTTP and in-process figures for {@code clients}
   * concurrent callers.
   */
  public record Row(String model, int clients, int requests, double httpPerSecond,
      double httpP50Ms,
      double httpP99Ms, double batchedPerSecond, double batchedP50Ms, double batchedP99Ms,
      double directPerSecond, double directP50Ms) {
    public String line() {
      return String.format(Locale.ROOT, "  %2d client%s x %d: unbatched %6.0f req/s, p50 %6.2f ms,"
          + " p99 %6.2f ms | batched %6.0f req/s, p50 %6.2f ms, p99 %6.2f ms | in process %6.0f"
          + " calls/s, p50 %6.2f ms | batched/unbatched: throughput %.2fx, p99 %.2fx |"
          + " in-process/unbatched throughput %.2fx (multiply-adds 1.00x)", clients,
          clients == 1 ? " " : "s", requests, httpPerSecond, httpP50Ms, httpP99Ms,
          batchedPerSecond, batchedP50Ms, batchedP99Ms, directPerSecond, directP50Ms,
          batchedPerSecond / httpPerSecond, batchedP99Ms / httpP99Ms,
          directPerSecond / httpPerSecond);
    }
  }

  /** Exports each of {@link #MODELS} with seeded weights into {@code dir}, serves it, measures. */
  public static List<Row> run(Path dir, Threads threads, int requestsPerClient, PrintStream out)
      throws IOException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    for (String model : MODELS) {
      out.println(" " + model + ":");
      rows.addAll(run(model, ModelBench.export(model, "", dir, threads), threads,
          requestsPerClient, out));
    }
    return rows;
  }

  private static List<Row> run(String model, Path export, Threads threads, int requestsPerClient,
      PrintStream out) throws IOException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    // Both servers admit every client: without batching, 64 may run the model at once.
    ModelServer.Options opt = ModelServer.Options.defaults().withPorts(0, -1).withMaxConcurrent(64);
    try (Predictor direct = Predictor.load(export, threads);
        ModelServer server = ModelServer.start(Map.of("cnn", export), opt, threads,
            new PrintStream(new ByteArrayOutputStream()));
        ModelServer batched = ModelServer.start(Map.of("cnn", export),
            opt.withBatching(ModelServer.Batching.defaults()), threads,
            new PrintStream(new ByteArrayOutputStream()))) {
      int size = direct.height() * direct.width() * direct.channels();
      float[] pixels = new float[size];
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < size; i++) {
        pixels[i] = r.nextInt(256);
      }
      // One instance of the model's [H, W, C] shape, nested as TF-Serving's row format expects.
      String json = nested(pixels, direct.height(), direct.width(), direct.channels());
      HttpClient client = HttpClient.newHttpClient();
      Call http = post(client, server.port(), json);
      Call httpBatched = post(client, batched.port(), json);
      Call inProcess = () -> direct.predict(pixels, 1);
      for (int clients : new int[] {1, 16, 64}) {
        Load h = load(http, clients, requestsPerClient);
        Load b = load(httpBatched, clients, requestsPerClient);
        Load d = load(inProcess, clients, requestsPerClient);
        Row row = new Row(model, clients, requestsPerClient, h.perSecond, h.p50, h.p99,
            b.perSecond,
            b.p50, b.p99, d.perSecond, d.p50);
        out.println(row.line());
        rows.add(row);
      }
      long[] counts = batched.batchCounts();
      double perBatch = (double) counts[1] / Math.max(1, counts[0]);
      // The ceiling batching can reach: the model itself, one thread, batches of that size.
      int n = (int) Math.max(1, Math.round(perBatch));
      float[] many = new float[n * size];
      for (int i = 0; i < n; i++) {
        System.arraycopy(pixels, 0, many, i * size, size);
      }
      Load whole = load(() -> direct.predict(many, n), 1, requestsPerClient / 4);
      out.printf(Locale.ROOT, "  batched server: %d requests in %d batches (%.1f per batch); the"
          + " model in process at batch %d: %.0f images/s (%.2fx the unbatched server at 16"
          + " clients)%n", counts[1], counts[0], perBatch, n, whole.perSecond * n,
          whole.perSecond * n / rows.get(1).httpPerSecond());
    }
    return rows;
  }

  /** A caller POSTing {@code json} to the model on {@code port}; anything but 200 fails. */
  private static Call post(HttpClient client, int port, String json) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/v1/models/cnn:predict")).POST(HttpRequest.BodyPublishers.ofString(json)).build();
    return () -> {
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() != 200) {
        throw new IllegalStateException("ServeBench: the server answered " + resp.statusCode()
            + ": " + resp.body());
      }
    };
  }

  /** Writes the rows as CSV (atomically). */
  public static void writeCsv(List<Row> rows, Path file) throws IOException {
    StringBuilder sb = new StringBuilder("model,clients,requests_per_client,http_per_s,http_p50_ms,"
        + "http_p99_ms,batched_per_s,batched_p50_ms,batched_p99_ms,in_process_per_s,"
        + "in_process_p50_ms\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%.1f,%.3f,%.3f,%.1f,%.3f,%.3f,%.1f,%.3f%n",
          r.model(), r.clients(), r.requests(), r.httpPerSecond(), r.httpP50Ms(), r.httpP99Ms(),
          r.batchedPerSecond(), r.batchedP50Ms(), r.batchedP99Ms(), r.directPerSecond(),
          r.directP50Ms()));
    }
    AtomicFiles.writeString(file, sb.toString());
  }

  /** {@code {"instances": [[[[p], [p], ...], ...]]}} for one image. */
  static String nested(float[] px, int h, int w, int c) {
    StringBuilder sb = new StringBuilder("{\"instances\": [[");
    for (int y = 0; y < h; y++) {
      sb.append(y == 0 ? "[" : ",[");
      for (int x = 0; x < w; x++) {
        sb.append(x == 0 ? "[" : ",[");
        for (int k = 0; k < c; k++) {
          sb.append(k == 0 ? "" : ",").append((int) px[(y * w + x) * c + k]);
        }
        sb.append(']');
      }
      sb.append(']');
    }
    return sb.append("]]}").toString();
  }

  private interface Call {
    void run() throws Exception;
  }

  private record Load(double perSecond, double p50, double p99) {}

  /** {@code clients} threads, each making a warm-up call then {@code n} timed calls. */
  private static Load load(Call call, int clients, int n) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<double[]>> futures = new ArrayList<>();
      long start = System.nanoTime();
      for (int c = 0; c < clients; c++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            call.run();
          }
          double[] ms = new double[n];
          for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
          }
          return ms;
        }));
      }
      double[] all = new double[clients * n];
      for (int c = 0; c < clients; c++) {
        System.arraycopy(futures.get(c).get(), 0, all, c * n, n);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(all);
      return new Load(clients * (n + 10) / seconds, percentile(all, 0.50), percentile(all, 0.99));
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("ServeBench: a client failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** The nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}

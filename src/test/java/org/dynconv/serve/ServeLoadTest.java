package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dynconv.data.Preprocess;
import org.dynconv.graph.Threads;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;

/**
 * 8 concurrent clients x 500 requests on 127.0.0.1: no errors, every response equal to the same
 * request's serial response, and resident memory not growing.
 */
class ServeLoadTest {
  static final int CLIENTS = 8, REQUESTS = 500;

  static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  @Test
  void concurrentClientsGetTheSerialAnswers() throws Exception {
    Path dir = Files.createTempDirectory("dynconv-serve-load-");
    TestExports.export(ModelZoo.get("small-cnn-condconv"), 3, dir.resolve("cnn"));
    try (ModelServer server = ModelServer.start(Map.of("cnn", dir.resolve("cnn")),
        new ModelServer.Options("127.0.0.1", 0, 16, 1 << 20, 64, 5, Preprocess.EXACT),
        Threads.defaults(), new PrintStream(new ByteArrayOutputStream()))) {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/models/cnn:predict");
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        JsonArray instances = new JsonArray();
        instances.add(ServeTest.image(i));
        bodies.add("{\"instances\": " + instances + "}");
      }
      List<String> serial = new ArrayList<>();
      for (String b : bodies) {
        serial.add(send(client, uri, b));
      }
      // Warm-up at full concurrency: thread pools, JIT and the heap reach their working size.
      assertEquals(0, load(client, uri, bodies, serial, 100));
      System.gc();
      long before = rssBytes();
      assertEquals(0, load(client, uri, bodies, serial, REQUESTS),
          "responses differing from the serial ones");
      System.gc();
      long grown = rssBytes() - before;
      assertTrue(grown < 50L << 20, "resident memory grew by " + grown / (1 << 20) + " MB");
    } finally {
      org.dynconv.io.AtomicFiles.deleteTree(dir);
    }
  }

  /** CLIENTS threads sending {@code requests} each; returns how many answers differed. */
  private static int load(HttpClient client, URI uri, List<String> bodies, List<String> serial,
      int requests) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<Integer>> mismatches = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      final int me = c;
      mismatches.add(pool.submit(() -> {
        int bad = 0;
        for (int r = 0; r < requests; r++) {
          int which = (me + r) % CLIENTS;
          if (!send(client, uri, bodies.get(which)).equals(serial.get(which))) {
            bad++;
          }
        }
        return bad;
      }));
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(10, TimeUnit.MINUTES), "load did not finish in time");
    int bad = 0;
    for (Future<Integer> f : mismatches) {
      bad += f.get();
    }
    return bad;
  }

  private static String send(HttpClient client, URI uri, String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("status " + r.statusCode() + ": " + r.body());
    }
    JsonParser.parseString(r.body());
    return r.body();
  }
}

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
 * 8 concurrent clients x 4 rounds x 250 requests on 127.0.0.1: no errors, every response equal to the same
 * request's serial response, and memory outside the heap not growing from one round to the next.
 */
class ServeLoadTest {
  static final int CLIENTS = 8, REQUESTS = 250;

  static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  static long nativeBytes() throws IOException {
    System.gc();
    return rssBytes() - Runtime.getRuntime().totalMemory();
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
      // Memory outside the Java heap (native tensors, buffers, thread stacks): resident memory
      // less the committed heap. It moves by tens of MB from round to round as glibc's arenas grow
      // and shrink under 16 threads, and a leak grows it every round; the lower of two rounds'
      // readings is the steady level. Between rounds 1-2 and 3-4 lie 4,000 requests, so a leak
      // of 8 KB per request (two 3 KB input tensors and their outputs) adds at least 32 MB.
      long[] nativeBytes = new long[5];
      for (int round = 1; round <= 4; round++) {
        assertEquals(0, load(client, uri, bodies, serial, REQUESTS),
            "responses differing from the serial ones");
        nativeBytes[round] = nativeBytes();
      }
      long early = Math.min(nativeBytes[1], nativeBytes[2]);
      long late = Math.min(nativeBytes[3], nativeBytes[4]);
      assertTrue(late - early < 32L << 20, "native memory grew from " + early / (1 << 20) + " MB to "
          + late / (1 << 20) + " MB over 4,000 requests");
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

package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 8 concurrent clients x 4 rounds x 125 requests of 8 images on 127.0.0.1 to {@code dynconv serve}
 * in its own JVM: no errors, every response equal to the same request's serial response, and the server's
 * resident memory not growing from one round to the next.
 */
class ServeLoadTest {
  static final int CLIENTS = 8, REQUESTS = 125, IMAGES = 8;

  /**
   * The server runs in a child JVM so that its memory is its own: in the test JVM, resident memory
   * also moves with every other test's heap, code and native buffers. The child's heap is fixed and
   * touched at start (-Xms = -Xmx, AlwaysPreTouch), so its resident size does not change and the
   * growth of resident memory is the growth outside the heap: native tensors, buffers, stacks.
   * JavaCPP's collector-driven freeing is off (nopointergc), so a Tensor the server forgets to
   * close stays allocated instead of being freed by the next collection of the small heap: the
   * test finds the missing close(), not just the collector's delay.
   */
  static final List<String> SERVER_JVM = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
      "-Dorg.bytedeco.javacpp.nopointergc=true");

  @Test
  void concurrentClientsGetTheSerialAnswers(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-condconv"), 3, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn", SERVER_JVM,
        List.of("--model", "cnn=" + dir.resolve("cnn"), "--max-concurrent", "16"))) {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.port + "/v1/models/cnn:predict");
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        JsonArray instances = new JsonArray();
        for (int k = 0; k < IMAGES; k++) {
          instances.add(ServeTest.image(IMAGES * i + k));
        }
        bodies.add("{\"instances\": " + instances + "}");
      }
      List<String> serial = new ArrayList<>();
      for (String b : bodies) {
        serial.add(send(client, uri, b));
      }
      // Warm-up at full concurrency: thread pools, JIT and glibc's arenas reach their working size.
      assertEquals(0, load(client, uri, bodies, serial, 50));
      // Resident memory still moves by a few MB from round to round as glibc's arenas grow and
      // shrink under 16 threads, and a leak grows it every round; the lower of two rounds'
      // readings is the steady level. Between rounds 1-2 and 3-4 lie 2,000 requests, so a leak
      // of 12 KB per request adds 24 MB. Leaving the input tensor (8 x 28 x 28 floats, 25 KB)
      // unclosed, as a check of this test, grew it by 36 MB and failed it; without the leak it
      // grew by 1 MB.
      long[] resident = new long[5];
      for (int round = 1; round <= 4; round++) {
        assertEquals(0, load(client, uri, bodies, serial, REQUESTS),
            "responses differing from the serial ones");
        resident[round] = server.residentBytes();
      }
      String readings = "server resident MB after rounds 1-4: " + resident[1] / (1 << 20) + ", "
          + resident[2] / (1 << 20) + ", " + resident[3] / (1 << 20) + ", " + resident[4] / (1 << 20);
      System.out.println("ServeLoadTest: " + readings);
      long early = Math.min(resident[1], resident[2]);
      long late = Math.min(resident[3], resident[4]);
      assertTrue(late - early < 24L << 20, "server memory grew by " + (late - early) / (1 << 20)
          + " MB over 2,000 requests (" + readings + ")");
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

package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 24 clients that send their bodies at one byte every half second and 2 clients sending malformed
 * requests, beside 16 clients x {@value #REQUESTS} good requests and a status request every 200
 * ms, on 127.0.0.1 to {@code dynconv serve} in its own JVM (--max-concurrent 16, --read-timeout
 * 3): every good request is answered 200 (no 503, no timeout), every malformed one 400, every
 * status within a second, and the server disconnects each slow client after the read timeout.
 * (Issue 24's figure is 16 x 200; {@code -Ddynconv.slowClients.requests=200} runs that.)
 */
class ServeSlowClientsTest {
  static final int SLOW = 24, CLIENTS = 16, MALFORMED = 2, REQUESTS = 25;

  @Test
  void slowClientsDoNotStarveGoodOnes(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-static"), 7, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn",
        ServeLoadTest.SERVER_JVM, List.of("--model", "cnn=" + dir.resolve("cnn"),
            "--max-concurrent", "16", "--read-timeout", "3"))) {
      String base = "http://127.0.0.1:" + server.port + "/v1/models/cnn";
      List<Socket> slow = new ArrayList<>();
      AtomicBoolean trickling = new AtomicBoolean(true);
      int requests = Integer.getInteger("dynconv.slowClients.requests", REQUESTS);
      ExecutorService pool = Executors.newFixedThreadPool(SLOW + CLIENTS + MALFORMED);
      try {
        List<Future<Long>> closedAfter = new ArrayList<>();
        for (int i = 0; i < SLOW; i++) {
          Socket s = new Socket("127.0.0.1", server.port);
          slow.add(s);
          closedAfter.add(pool.submit(() -> trickle(s, trickling)));
        }
        Thread.sleep(500);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        JsonArray one = new JsonArray();
        one.add(ServeTest.image(3));
        String body = "{\"instances\": " + one + "}";
        AtomicBoolean goodDone = new AtomicBoolean();
        List<Future<Integer>> refused = new ArrayList<>();
        for (int c = 0; c < MALFORMED; c++) {
          String bad = c == 0 ? "{\"instances\": [[[" : "{\"instances\": [\"a\"]}";
          refused.add(pool.submit(() -> {
            int n = 0;
            while (!goodDone.get()) {
              HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create(base
                  + ":predict")).timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(bad)).build(),
                  HttpResponse.BodyHandlers.ofString());
              assertEquals(400, resp.statusCode(), resp.body());
              n++;
            }
            return n;
          }));
        }
        List<Future<Integer>> good = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          good.add(pool.submit(() -> {
            int ok = 0;
            for (int r = 0; r < requests; r++) {
              HttpResponse<String> resp = client.send(HttpRequest.newBuilder(URI.create(base
                  + ":predict")).timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                  HttpResponse.BodyHandlers.ofString());
              ok += resp.statusCode() == 200 ? 1 : 0;
            }
            return ok;
          }));
        }
        long slowest = 0;
        for (int i = 0; i < 10 || !good.stream().allMatch(Future::isDone); i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> status = client.send(HttpRequest.newBuilder(URI.create(base))
              .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
          slowest = Math.max(slowest, System.nanoTime() - t0);
          assertEquals(200, status.statusCode(), status.body());
          Thread.sleep(200);
        }
        for (Future<Integer> f : good) {
          assertEquals(requests, f.get(300, TimeUnit.SECONDS), "good requests answered 200");
        }
        goodDone.set(true);
        for (Future<Integer> f : refused) {
          assertTrue(f.get(30, TimeUnit.SECONDS) > 0, "malformed requests were sent");
        }
        System.out.printf("ServeSlowClientsTest: %d x %d good requests answered 200, slowest"
            + " status %.0f ms%n", CLIENTS, requests, slowest / 1e6);
        assertTrue(slowest < TimeUnit.SECONDS.toNanos(1), "a status request took "
            + slowest / 1e6 + " ms");
        for (Future<Long> f : closedAfter) {
          long ms = f.get(20, TimeUnit.SECONDS);
          assertTrue(ms >= 2000 && ms < 8000, "a slow client was disconnected after " + ms
              + " ms; expected about the 3 s read timeout");
        }
      } finally {
        trickling.set(false);
        for (Socket s : slow) {
          s.close();
        }
        pool.shutdownNow();
      }
    }
  }

  /**
   * Sends a request's headers, then its body a byte every 500 ms; returns the milliseconds until
   * the server closed the connection.
   */
  private static long trickle(Socket s, AtomicBoolean go) throws Exception {
    long t0 = System.nanoTime();
    OutputStream o = s.getOutputStream();
    o.write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    o.flush();
    s.setSoTimeout(200);
    InputStream in = s.getInputStream();
    while (go.get() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15)) {
      try {
        o.write('{');
        o.flush();
      } catch (java.io.IOException e) {
        break; // the server closed the connection
      }
      try {
        if (in.read() < 0) {
          break;
        }
      } catch (java.net.SocketTimeoutException e) {
        Thread.sleep(300);
      } catch (java.io.IOException e) {
        break;
      }
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }
}

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
import java.util.List;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request of the largest batch the server allows (--max-batch 1000) is answered, its answers
 * equal the same images sent in small requests, and afterwards the server's resident memory is
 * within 100 MB of what it was before. The server runs a large request in parts of {@link
 * RestApi#ROWS_PER_RUN} examples; in one run, this request grew it from 0.6 to 2.8 GB, and it
 * stayed there (and with a 256 MB heap JavaCPP refused the tensors outright).
 */
class ServeLargeRequestTest {
  static final int LARGE = 1000, SMALL = 8;

  @Test
  void aMaximumSizeRequestLeavesTheServerAsItFoundIt(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-condconv"), 5, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn",
        ServeLoadTest.SERVER_JVM, List.of("--model", "cnn=" + dir.resolve("cnn"), "--max-batch",
            Integer.toString(LARGE)))) {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.port + "/v1/models/cnn:predict");
      JsonArray all = new JsonArray();
      for (int i = 0; i < LARGE; i++) {
        all.add(ServeTest.image(i % 2000));
      }
      // Normal traffic first: requests of the size a run computes, so the baseline is a server at
      // its working size (thread pools, JIT, TensorFlow's allocator at RestApi.ROWS_PER_RUN).
      JsonArray first = new JsonArray(), last = new JsonArray();
      for (int k = 0; k < SMALL; k++) {
        first.add(all.get(k));
        last.add(all.get(LARGE - SMALL + k));
      }
      JsonArray working = new JsonArray();
      for (int k = 0; k < RestApi.ROWS_PER_RUN; k++) {
        working.add(all.get(k));
      }
      for (int i = 0; i < 10; i++) {
        send(client, uri, working);
      }
      long before = server.residentBytes();
      JsonArray large = JsonParser.parseString(send(client, uri, all)).getAsJsonObject()
          .getAsJsonArray("predictions");
      long after = server.residentBytes();
      System.out.println("ServeLargeRequestTest: server resident MB before and after the "
          + LARGE + "-image request: " + before / (1 << 20) + ", " + after / (1 << 20));
      assertEquals(LARGE, large.size());
      JsonArray head = JsonParser.parseString(send(client, uri, first)).getAsJsonObject()
          .getAsJsonArray("predictions");
      JsonArray tail = JsonParser.parseString(send(client, uri, last)).getAsJsonObject()
          .getAsJsonArray("predictions");
      for (int k = 0; k < SMALL; k++) {
        assertClose(head.get(k).getAsJsonObject().getAsJsonArray("logits"),
            large.get(k).getAsJsonObject().getAsJsonArray("logits"), "image " + k);
        assertClose(tail.get(k).getAsJsonObject().getAsJsonArray("logits"),
            large.get(LARGE - SMALL + k).getAsJsonObject().getAsJsonArray("logits"),
            "image " + (LARGE - SMALL + k));
      }
      assertTrue(after - before < 100L << 20, "resident memory grew from " + before / (1 << 20)
          + " MB to " + after / (1 << 20) + " MB");
    }
  }

  /** The same image's logits in a small and in the large request (another batch size). */
  private static void assertClose(JsonArray want, JsonArray got, String what) {
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      double w = want.get(i).getAsDouble();
      assertEquals(w, got.get(i).getAsDouble(), 1e-5 * Math.max(1, Math.abs(w)), what);
    }
  }

  private static String send(HttpClient client, URI uri, JsonArray instances) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": " + instances + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }
}

package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.data.Preprocess;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST server against a real client (Java's HttpClient) on 127.0.0.1: TF-Serving's status,
 * metadata and predict formats, outputs equal to {@link Predictor}'s, encoded images, a new
 * version picked up without a restart, and every kind of bad request answered with its status and
 * a one-line JSON error while the server keeps answering.
 */
class ServeTest {
  static Path dir;
  static ModelServer server;
  static Predictor reference;
  static HttpClient client = HttpClient.newHttpClient();
  static String base;
  static Dataset test = FashionMnist.embedded().test();

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("dynconv-serve-test-");
    Path v1 = TestExports.export(ModelZoo.get("small-cnn-condconv"), 1, dir.resolve("cnn")
        .resolve("1"));
    reference = Predictor.load(v1);
    TestExports.export(ModelZoo.get("small-cnn-condconv"), 1, dir.resolve("versioned").resolve("1"));
    server = ModelServer.start(Map.of("cnn", dir.resolve("cnn"), "versioned",
        dir.resolve("versioned")), new ModelServer.Options(
        "127.0.0.1", 0, 0, 2, 1 << 20, 64, 0.2, Preprocess.EXACT, 10_000, 30, null), Threads.defaults(),
        new PrintStream(new ByteArrayOutputStream()));
    base = "http://127.0.0.1:" + server.port() + "/v1/models/";
  }

  @AfterAll
  static void stop() throws IOException {
    server.stop(5);
    reference.close();
    org.dynconv.io.AtomicFiles.deleteTree(dir);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonArray image(int i) {
    float[] px = test.floatPixels(i, 1);
    JsonArray rows = new JsonArray();
    for (int y = 0; y < 28; y++) {
      JsonArray row = new JsonArray();
      for (int x = 0; x < 28; x++) {
        JsonArray ch = new JsonArray();
        ch.add(px[y * 28 + x]);
        row.add(ch);
      }
      rows.add(row);
    }
    return rows;
  }

  static float[] floats(JsonElement e) {
    List<Float> out = new java.util.ArrayList<>();
    flatten(e, out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  private static void flatten(JsonElement e, List<Float> out) {
    if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(c -> flatten(c, out));
    } else {
      out.add(e.getAsFloat());
    }
  }

  @Test
  void statusAndMetadata() throws Exception {
    HttpResponse<String> s = get("cnn");
    assertEquals(200, s.statusCode());
    assertEquals("{\"model_version_status\":[{\"version\":\"1\",\"state\":\"AVAILABLE\","
        + "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}", s.body());
    JsonObject m = JsonParser.parseString(get("cnn/metadata").body()).getAsJsonObject();
    JsonObject defs = m.getAsJsonObject("metadata").getAsJsonObject("signature_def")
        .getAsJsonObject("signature_def");
    assertTrue(defs.has("serving_default") && defs.has("routing"), defs.toString());
    JsonObject images = defs.getAsJsonObject("serving_default").getAsJsonObject("inputs")
        .getAsJsonObject("images");
    assertEquals("DT_FLOAT", images.get("dtype").getAsString());
    assertEquals("[{\"size\":\"-1\",\"name\":\"\"},{\"size\":\"28\",\"name\":\"\"},{\"size\":\"28\","
        + "\"name\":\"\"},{\"size\":\"1\",\"name\":\"\"}]",
        images.getAsJsonObject("tensor_shape").get("dim").toString());
    assertEquals("tensorflow/serving/predict",
        defs.getAsJsonObject("serving_default").get("method_name").getAsString());
    assertEquals("{\"name\":\"cnn\",\"signature_name\":\"\",\"version\":\"1\"}",
        m.get("model_spec").toString());
  }

  @Test
  void rowAndColumnarPredictionsEqualThePredictor() throws Exception {
    int n = 3;
    float[] logits = reference.logits(test.floatPixels(0, n), n);
    float[] probs = reference.predict(test.floatPixels(0, n), n);
    JsonArray instances = new JsonArray();
    for (int i = 0; i < n; i++) {
      instances.add(image(i));
    }
    JsonObject row = new JsonObject();
    row.addProperty("signature_name", "serving_default");
    row.add("instances", instances);
    HttpResponse<String> r = post("cnn:predict", row.toString());
    assertEquals(200, r.statusCode(), r.body());
    JsonArray preds = JsonParser.parseString(r.body()).getAsJsonObject()
        .getAsJsonArray("predictions");
    assertEquals(n, preds.size());
    for (int i = 0; i < n; i++) {
      JsonObject p = preds.get(i).getAsJsonObject();
      AllClose.assertRelClose(AllClose.toDouble(java.util.Arrays.copyOfRange(logits, 10 * i,
          10 * i + 10)), floats(p.get("logits")), 1e-6, "row logits " + i);
      AllClose.assertRelClose(AllClose.toDouble(java.util.Arrays.copyOfRange(probs, 10 * i,
          10 * i + 10)), floats(p.get("probabilities")), 1e-6, "row probabilities " + i);
    }
    JsonObject col = new JsonObject();
    JsonObject inputs = new JsonObject();
    inputs.add("images", instances);
    col.add("inputs", inputs);
    HttpResponse<String> c = post("cnn/versions/1:predict", col.toString());
    assertEquals(200, c.statusCode(), c.body());
    JsonObject outputs = JsonParser.parseString(c.body()).getAsJsonObject()
        .getAsJsonObject("outputs");
    AllClose.assertRelClose(AllClose.toDouble(logits), floats(outputs.get("logits")), 1e-6,
        "columnar logits");
    assertEquals(n, outputs.getAsJsonArray("probabilities").size());
    JsonObject routing = new JsonObject();
    routing.addProperty("signature_name", "routing");
    routing.add("instances", instances);
    JsonArray rp = JsonParser.parseString(post("cnn:predict", routing.toString()).body())
        .getAsJsonObject().getAsJsonArray("predictions");
    Map<String, float[]> expected = reference.routing(test.floatPixels(0, n), n);
    for (var e : expected.entrySet()) {
      float[] got = new float[e.getValue().length];
      int k = e.getValue().length / n;
      for (int i = 0; i < n; i++) {
        System.arraycopy(floats(rp.get(i).getAsJsonObject().get(e.getKey())), 0, got, i * k, k);
      }
      AllClose.assertRelClose(AllClose.toDouble(e.getValue()), got, 1e-6, e.getKey());
    }
  }

  @Test
  void encodedImagesAreDecoded() throws Exception {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    float[] px = test.floatPixels(4, 1);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        img.getRaster().setSample(x, y, 0, (int) px[y * 28 + x]);
      }
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(img, "png", png);
    String b64 = Base64.getEncoder().encodeToString(png.toByteArray());
    HttpResponse<String> r = post("cnn:predict", "{\"instances\": [{\"b64\": \"" + b64 + "\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    float[] got = floats(JsonParser.parseString(r.body()).getAsJsonObject()
        .getAsJsonArray("predictions").get(0).getAsJsonObject().get("probabilities"));
    AllClose.assertRelClose(AllClose.toDouble(reference.predict(px, 1)), got, 1e-6, "b64 image");
  }

  @Test
  void anImageAboveThePixelLimitIsRefusedFromItsHeader() throws Exception {
    // 20000 x 20000 grey pixels compress to a small PNG; decoded they would be 1.6 GB of ARGB.
    // The server refuses it from the header (this server's limit is 10,000 pixels), so the
    // answer comes at once and the server's heap (-Xmx of the test JVM) is never asked for it.
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(20000, 20000, BufferedImage.TYPE_BYTE_BINARY), "png", png);
    String b64 = Base64.getEncoder().encodeToString(png.toByteArray());
    HttpResponse<String> r = post("cnn:predict", "{\"instances\": [{\"b64\": \"" + b64 + "\"}]}");
    assertEquals(400, r.statusCode(), r.body());
    String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
    assertTrue(error.startsWith("ImageFiles: ") && error.endsWith(" is 20000x20000 (400,000,000"
        + " pixels); expected at most 10,000 pixels."), error);
  }

  /** A bad request: its status, and an error that is one line of JSON; then a good request. */
  private static void bad(int status, String expectedError, HttpResponse<String> r)
      throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(!r.body().contains("\n"), r.body());
    String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
    assertTrue(error.startsWith(expectedError), error);
    assertEquals(200, get("cnn").statusCode(), "the server answers after a bad request");
  }

  @Test
  void badRequestsGetTheirStatusAndTheServerKeepsAnswering() throws Exception {
    JsonArray one = new JsonArray();
    one.add(image(0));
    String good = "{\"instances\": " + one + "}";
    bad(400, "malformed JSON", post("cnn:predict", "{\"instances\": [[["));
    bad(400, "input 'images' has shape [1, 28, 28]; expected [-1, 28, 28, 1].",
        post("cnn:predict", "{\"inputs\": {\"images\": [" + one.get(0).getAsJsonArray()
            .toString().replace("[0.0]", "0.0").replaceAll("\\[(\\d+\\.\\d+)\\]", "$1") + "]}}"));
    bad(400, "input 'images' of instance 0 holds a string where a number was expected",
        post("cnn:predict", good.replaceFirst("0\\.0", "\"a\"")));
    bad(400, "input 'images' value", post("cnn:predict", good.replaceFirst("0\\.0", "NaN")));
    bad(400, "Serving signature name: \"nope\" not found in signature def",
        post("cnn:predict", "{\"signature_name\": \"nope\", \"instances\": " + one + "}"));
    bad(404, "Servable not found for request: Latest(other)", post("other:predict", good));
    bad(404, "Servable not found for request: Specific(cnn, 7)", post("cnn/versions/7:predict",
        good));
    bad(404, "Malformed request: GET /v1/models/cnn:predict", get("cnn:predict"));
    // TF-Serving's answers for a model whose signatures are predict signatures.
    bad(400, "Expected classification signature method_name to be tensorflow/serving/classify."
        + " Was: tensorflow/serving/predict", post("cnn:classify", "{\"examples\": [{}]}"));
    bad(400, "Expected regression signature method_name to be tensorflow/serving/regress."
        + " Was: tensorflow/serving/predict", post("cnn/versions/1:regress",
        "{\"examples\": [{}]}"));
    bad(400, "No signature was found with the name: nope", post("cnn:classify",
        "{\"signature_name\": \"nope\", \"examples\": [{}]}"));
    bad(400, "the request must have exactly one of", post("cnn:predict",
        "{\"instances\": " + one + ", \"inputs\": " + one + "}"));
    bad(413, "the request body of", post("cnn:predict", "{\"instances\": [" + "0,".repeat(600_000)
        + "0]}"));
    JsonArray many = new JsonArray();
    for (int i = 0; i < 65; i++) {
      many.add(image(0));
    }
    bad(400, "a batch of 65 exceeds the limit of 64 (--max-batch)",
        post("cnn:predict", "{\"instances\": " + many + "}"));
  }

  @Test
  void aBodyCutOffMidwayDoesNotStopTheServer() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
          + "{\"instances\": [[").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 400"), answer);
    }
    assertEquals(200, get("cnn").statusCode());
  }

  @Test
  void slowAndMalformedRequestsTakeNoSlot() throws Exception {
    // The server runs two requests at a time (--max-concurrent 2). Three clients send their
    // bodies slowly and two send malformed ones; a good request is still answered, because a
    // request takes a slot only once its body is read and checked, to run the model.
    Socket[] held = new Socket[3];
    try {
      for (int i = 0; i < held.length; i++) {
        held[i] = new Socket("127.0.0.1", server.port());
        held[i].getOutputStream().write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\n"
            + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        held[i].getOutputStream().flush();
      }
      Thread.sleep(300);
      bad(400, "malformed JSON", post("cnn:predict", "{\"instances\": [[["));
      bad(400, "the request must have exactly one of", post("cnn:predict", "{}"));
      JsonArray one = new JsonArray();
      one.add(image(0));
      HttpResponse<String> r = post("cnn:predict", "{\"instances\": " + one + "}");
      assertEquals(200, r.statusCode(), r.body());
    } finally {
      for (Socket s : held) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  @Test
  void aNewVersionIsServedWithoutARestart() throws Exception {
    Path v2 = dir.resolve("versioned").resolve("2");
    TestExports.export(ModelZoo.get("small-cnn-condconv"), 2, v2);
    long deadline = System.currentTimeMillis() + 20_000;
    while (!get("versioned").body().contains("\"version\":\"2\"")
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(get("versioned").body().contains("\"version\":\"2\""), get("versioned").body());
    JsonArray one = new JsonArray();
    one.add(image(1));
    try (Predictor p2 = Predictor.load(v2)) {
      HttpResponse<String> r = post("versioned/versions/2:predict",
          "{\"instances\": " + one + "}");
      AllClose.assertRelClose(AllClose.toDouble(p2.predict(test.floatPixels(1, 1), 1)),
          floats(JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("predictions")
              .get(0).getAsJsonObject().get("probabilities")), 1e-6, "version 2");
    }
    bad(404, "Servable not found for request: Specific(versioned, 1)",
        get("versioned/versions/1"));
  }
}

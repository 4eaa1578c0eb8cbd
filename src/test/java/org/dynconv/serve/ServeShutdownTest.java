package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM lets the request in flight finish and be answered, then the server exits. */
class ServeShutdownTest {
  @Test
  void sigtermFinishesTheRequestInFlight(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, dir.resolve("cnn"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "org.dynconv.cli.Main", "serve", "--model", dir.resolve("cnn").toString(), "--port", "0");
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    // A file, not a pipe: reading a pipe while the child exits can fail with "Stream closed"
    // and lose the last lines, which are the ones this test is about.
    Path log = dir.resolve("serve.log");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    try {
      int port = -1;
      Pattern url = Pattern.compile("serve: http://127\\.0\\.0\\.1:(\\d+)/v1/models/cnn");
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          port < 0 && p.isAlive() && System.nanoTime() < deadline; ) {
        Matcher m = url.matcher(Files.readString(log, StandardCharsets.UTF_8));
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        } else {
          Thread.sleep(100);
        }
      }
      assertTrue(port > 0, "no URL printed:\n" + Files.readString(log, StandardCharsets.UTF_8));
      JsonArray instances = new JsonArray();
      instances.add(ServeTest.image(0));
      byte[] body = ("{\"instances\": " + instances + "}").getBytes(StandardCharsets.UTF_8);
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream o = s.getOutputStream();
        o.write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(body, 0, 10);
        o.flush();
        Thread.sleep(300);
        p.destroy();
        Thread.sleep(500);
        o.write(body, 10, body.length - 10);
        o.flush();
        String status = new BufferedReader(new InputStreamReader(s.getInputStream(),
            StandardCharsets.US_ASCII)).readLine();
        assertEquals("HTTP/1.1 200 OK", status);
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
      String seen = Files.readString(log, StandardCharsets.UTF_8);
      assertTrue(seen.contains("serve: stopping") && seen.contains("serve: stopped"), seen);
    } finally {
      p.destroyForcibly(); // no stray server if an assertion fails
    }
  }
}

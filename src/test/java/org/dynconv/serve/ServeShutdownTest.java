package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM lets the request in flight finish and be answered, then the server exits with 0. */
class ServeShutdownTest {
  @Test
  void sigtermFinishesTheRequestInFlight(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn", List.of(),
        List.of("--model", dir.resolve("cnn").toString()))) {
      JsonArray instances = new JsonArray();
      instances.add(ServeTest.image(0));
      byte[] body = ("{\"instances\": " + instances + "}").getBytes(StandardCharsets.UTF_8);
      try (Socket s = new Socket("127.0.0.1", server.port)) {
        OutputStream o = s.getOutputStream();
        o.write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(body, 0, 10);
        o.flush();
        Thread.sleep(300);
        server.process.destroy(); // SIGTERM
        Thread.sleep(500);
        o.write(body, 10, body.length - 10);
        o.flush();
        String status = new BufferedReader(new InputStreamReader(s.getInputStream(),
            StandardCharsets.US_ASCII)).readLine();
        assertEquals("HTTP/1.1 200 OK", status);
      }
      assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
      assertEquals(0, server.process.exitValue(), "a clean stop exits 0:\n" + server.log());
      String seen = server.log();
      assertTrue(seen.contains("serve: stopping") && seen.contains("serve: stopped"), seen);
    }
  }
}

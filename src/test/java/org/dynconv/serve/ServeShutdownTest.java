package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * SIGTERM lets the requests in flight finish and be answered, then the server exits with 0: one
 * request, eight at once beside a client that keeps sending (under load, batching on), and a gRPC
 * call.
 */
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

  @Test
  void sigtermUnderLoadAnswersEveryRequestInFlight(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn", List.of(),
        List.of("--model", dir.resolve("cnn").toString(), "--enable-batching"))) {
      JsonArray instances = new JsonArray();
      instances.add(ServeTest.image(0));
      byte[] body = ("{\"instances\": " + instances + "}").getBytes(StandardCharsets.UTF_8);
      // A client that keeps predicting through the stop: answered, or refused once stopping.
      java.util.concurrent.atomic.AtomicBoolean run = new java.util.concurrent.atomic
          .AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic
          .AtomicInteger();
      Thread load = new Thread(() -> {
        java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
            + server.port + "/v1/models/cnn:predict")).POST(java.net.http.HttpRequest
            .BodyPublishers.ofByteArray(body)).build();
        while (run.get()) {
          try {
            if (c.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()
                == 200) {
              answered.incrementAndGet();
            }
          } catch (Exception stopped) {
            return;
          }
        }
      });
      load.start();
      List<Socket> inFlight = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket s = new Socket("127.0.0.1", server.port);
          inFlight.add(s);
          OutputStream o = s.getOutputStream();
          o.write(("POST /v1/models/cnn:predict HTTP/1.1\r\nHost: x\r\nContent-Length: "
              + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          o.write(body, 0, 10);
          o.flush();
        }
        Thread.sleep(300);
        server.process.destroy(); // SIGTERM
        Thread.sleep(500);
        for (Socket s : inFlight) {
          s.getOutputStream().write(body, 10, body.length - 10);
          s.getOutputStream().flush();
        }
        for (Socket s : inFlight) {
          String status = new BufferedReader(new InputStreamReader(s.getInputStream(),
              StandardCharsets.US_ASCII)).readLine();
          assertEquals("HTTP/1.1 200 OK", status);
        }
      } finally {
        run.set(false);
        for (Socket s : inFlight) {
          s.close();
        }
      }
      assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
      load.join(60_000);
      assertEquals(0, server.process.exitValue(), "a clean stop exits 0:\n" + server.log());
      assertTrue(answered.get() > 0, "the load was answered before the stop");
    }
  }

  /**
   * A gRPC Predict call whose request was sent before SIGTERM and completed (half-closed) after it
   * is answered, with the logits of the same request before the stop; the server then exits 0.
   */
  @Test
  void sigtermFinishesTheGrpcCallInFlight(@TempDir Path dir) throws Exception {
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, dir.resolve("cnn"));
    try (ServeProcess server = ServeProcess.start(dir.resolve("serve.log"), "cnn", List.of(),
        List.of("--model", dir.resolve("cnn").toString()))) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
          .usePlaintext().build();
      try {
        float[] pixels = new float[2 * 784];
        for (int i = 0; i < pixels.length; i++) {
          pixels[i] = (i % 97) / 97f;
        }
        PredictRequest request = PredictRequest.newBuilder()
            .setModelSpec(ServeGrpcTest.spec("cnn"))
            .putInputs("images", ServeGrpcTest.images(2)
                .setTensorContent(ServeGrpcTest.bytes(pixels)).build())
            .build();
        PredictResponse before = PredictionServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS).predict(request);
        // The raw call: started and sent now, half-closed (so run) only after the SIGTERM.
        ClientCall<PredictRequest, PredictResponse> call = channel.newCall(
            PredictionServiceGrpc.getPredictMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        CompletableFuture<PredictResponse> answer = new CompletableFuture<>();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
          @Override
          public void onMessage(PredictResponse message) {
            answer.complete(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        }, new Metadata());
        call.request(1);
        call.sendMessage(request);
        Thread.sleep(300);
        server.process.destroy(); // SIGTERM
        Thread.sleep(500);
        call.halfClose();
        Status status = closed.get(60, TimeUnit.SECONDS);
        assertTrue(status.isOk(), "the call in flight ended with " + status);
        assertEquals(before.getOutputsOrThrow("logits"), answer.get().getOutputsOrThrow("logits"));
      } finally {
        channel.shutdownNow();
      }
      assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
      assertEquals(0, server.process.exitValue(), "a clean stop exits 0:\n" + server.log());
    }
  }
}

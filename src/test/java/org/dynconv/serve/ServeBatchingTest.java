package org.dynconv.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.dynconv.data.Preprocess;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor.FloatTensor;
import org.dynconv.infer.Predictor;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-side batching answers every request as the model answers it alone: concurrent requests
 * of 1 to 3 images, merged into batches (fewer batches than requests) and padded to the export's
 * static-batch signatures, each get the outputs of their own unbatched run; a malformed request
 * among them gets its own error and fails none of the others.
 */
class ServeBatchingTest {
  @Test
  void mergedRequestsGetTheirUnbatchedAnswers(@TempDir Path dir) throws Exception {
    // An export with a static-batch copy for 4 and 8 images: merged batches of 3 run padded to 4.
    Path export = TestExports.export(ModelZoo.get("small-cnn-condconv"), 3,
        new SavedModelExporter.Target(dir.resolve("cnn"), false, 0, false, -1, List.of(4L, 8L),
            BankPrecision.FLOAT32));
    ModelServer.Options opt = new ModelServer.Options("127.0.0.1", 0, 0, 4, 1 << 22, 64, 10,
        Preprocess.EXACT, 10_000, 30, new ModelServer.Batching(8, 50_000, 1, 64));
    int clients = 12;
    SplittableRandom rnd = new SplittableRandom(11);
    List<Map<String, FloatTensor>> requests = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int rows = 1 + c % 3;
      float[] v = new float[rows * 784];
      for (int i = 0; i < v.length; i++) {
        v[i] = rnd.nextInt(256);
      }
      requests.add(Map.of("images", new FloatTensor(new long[] {rows, 28, 28, 1}, v)));
    }
    try (Predictor alone = Predictor.load(export);
        ModelServer server = ModelServer.start(Map.of("cnn", export), opt, Threads.defaults(),
            new PrintStream(new ByteArrayOutputStream()))) {
      io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
          .forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
      var stub = tensorflow.serving.PredictionServiceGrpc.newBlockingStub(channel);
      ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<tensorflow.serving.Predict.PredictResponse>> answers = new ArrayList<>();
        for (Map<String, FloatTensor> r : requests) {
          var request = tensorflow.serving.Predict.PredictRequest.newBuilder()
              .setModelSpec(tensorflow.serving.Model.ModelSpec.newBuilder().setName("cnn"))
              .putInputs("images", GrpcApi.tensor(r.get("images"))).build();
          answers.add(pool.submit(() -> {
            go.await();
            return stub.withDeadlineAfter(2, TimeUnit.MINUTES).predict(request);
          }));
        }
        // An image of 14 x 56: as many values per row as a good one, the wrong shape.
        var bad = tensorflow.serving.Predict.PredictRequest.newBuilder()
            .setModelSpec(tensorflow.serving.Model.ModelSpec.newBuilder().setName("cnn"))
            .putInputs("images", GrpcApi.tensor(new FloatTensor(new long[] {1, 14, 56, 1},
                new float[784]))).build();
        Future<io.grpc.StatusRuntimeException> refused = pool.submit(() -> {
          go.await();
          return org.junit.jupiter.api.Assertions.assertThrows(
              io.grpc.StatusRuntimeException.class, () -> stub.predict(bad));
        });
        go.countDown();
        io.grpc.StatusRuntimeException e = refused.get(2, TimeUnit.MINUTES);
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().startsWith("input 'images' has shape [1, 14, 56,"
            + " 1]"), e.getStatus().getDescription());
        for (int c = 0; c < clients; c++) {
          var response = answers.get(c).get(2, TimeUnit.MINUTES);
          Map<String, FloatTensor> want = alone.run("serving_default", requests.get(c));
          assertEquals(want.keySet(), response.getOutputsMap().keySet());
          for (String k : want.keySet()) {
            FloatTensor got = GrpcApi.floats(k, response.getOutputsOrThrow(k));
            assertEquals(want.get(k).shape()[0], got.shape()[0], k);
            float[] a = want.get(k).values(), b = got.values();
            assertEquals(a.length, b.length, k);
            for (int i = 0; i < a.length; i++) {
              // The same examples in a larger batch: equal up to the rounding of batched kernels.
              assertEquals(a[i], b[i], 1e-5 * Math.max(1, Math.abs(a[i])), k + "[" + i + "]"
                  + " of request " + c);
            }
          }
        }
        long[] counts = server.batchCounts();
        assertEquals(clients, counts[1], "requests batched");
        assertTrue(counts[0] < clients, "batches: " + counts[0] + " for " + clients
            + " requests");
      } finally {
        pool.shutdownNow();
        channel.shutdownNow();
      }
    }
  }
}

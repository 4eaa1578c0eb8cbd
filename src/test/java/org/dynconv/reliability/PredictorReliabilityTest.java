package org.dynconv.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dynconv.bench.MemorySoak;
import org.dynconv.infer.Predictor;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loaded model under repeated and concurrent use, and with bad pixels. */
class PredictorReliabilityTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void export() throws Exception {
    model = TestExports.export(ModelZoo.get("small-cnn-condconv"), 3, dir.resolve("model"));
  }

  @Test
  void residentMemoryStaysFlatOverManyPredictions() {
    // The full 10,000-prediction run is 'bench --suite memory'; this is the short version. Each
    // call feeds 32 images (100 KB): leaking its tensors would add about 100 MB over 1,000 calls.
    try (Predictor p = Predictor.load(model)) {
      MemorySoak.Result r = MemorySoak.run(p, 200, 1000, 32);
      assertTrue(r.growthBytes() < 30L << 20, "RSS grew by " + r.growthBytes() / 1024 + " KiB");
    }
  }

  @Test
  void eightThreadsGiveExactlyTheSerialOutputs() throws Exception {
    int threads = 8, calls = 500;
    float[][] inputs = new float[calls][];
    for (int i = 0; i < calls; i++) {
      inputs[i] = Rand.uniform(i, 784, 0, 255);
    }
    try (Predictor p = Predictor.load(model)) {
      float[][] serial = new float[calls][];
      for (int i = 0; i < calls; i++) {
        serial[i] = p.predict(inputs[i], 1);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<float[][]>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          final int offset = t * 61;
          futures.add(pool.submit(() -> {
            float[][] out = new float[calls][];
            for (int k = 0; k < calls; k++) {
              int i = (k + offset) % calls;
              out[i] = p.predict(inputs[i], 1);
            }
            return out;
          }));
        }
        for (Future<float[][]> f : futures) {
          float[][] got = f.get();
          for (int i = 0; i < calls; i++) {
            assertArrayEquals(serial[i], got[i], 0f, "call " + i);
          }
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void badPixelsAreRefusedWithOneLine() {
    try (Predictor p = Predictor.load(model)) {
      float[] px = new float[784];
      px[100] = Float.NaN;
      assertEquals("Predictor: pixel 100 (image 0) is NaN; expected a finite value in 0..255.",
          assertThrows(IllegalArgumentException.class, () -> p.predict(px, 1)).getMessage());
      px[100] = Float.POSITIVE_INFINITY;
      assertEquals("Predictor: pixel 100 (image 0) is Infinity; expected a finite value in 0..255.",
          assertThrows(IllegalArgumentException.class, () -> p.predict(px, 1)).getMessage());
      assertEquals("Predictor: got 784 pixel values for 2 images; expected 1568 (2 x 28x28x1).",
          assertThrows(IllegalArgumentException.class, () -> p.predict(new float[784], 2))
              .getMessage());
    }
  }
}

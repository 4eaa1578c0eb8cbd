package org.dynconv.export;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.testing.AllClose;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A folded export (every BatchNorm folded into the convolution before it) computes what the
 * unfolded export computes, after training has moved the BatchNorm statistics away from identity;
 * for DCD the outer BatchNorm folds into both W0 and P and BN1 into Q.
 */
class BatchNormFoldingTest {
  @ParameterizedTest
  @ValueSource(strings = {"small-cnn-static", "small-cnn-condconv", "small-cnn-dynamic",
      "small-cnn-dcd", "small-cnn-odconv"})
  void foldedAndUnfoldedExportsAgree(String model, @TempDir Path dir) throws IOException {
    FashionMnist.Split data = FashionMnist.embedded();
    TrainConfig cfg = TrainConfig.builder().model(model).epochs(1).batchSize(32).seed(4)
        .warmupEpochs(0.2).temperature(30, 1, 0.5).trainLimit(320).build();
    new Trainer(cfg, data.train(), data.test().head(100), Trainer.Options.builder(dir.resolve("run"))
        .out(new PrintStream(new ByteArrayOutputStream())).build()).run();
    RunDirectory run = RunDirectory.open(dir.resolve("run"));
    Path plain = RunExporter.export(run, new SavedModelExporter.Target(dir.resolve("plain"), false, 0),
        Threads.defaults());
    Path folded = RunExporter.export(run,
        new SavedModelExporter.Target(dir.resolve("folded"), false, 0, true), Threads.defaults());
    List<String> keys = TensorBundle.open(folded.resolve("variables").resolve("variables")).entries()
        .stream().map(TensorBundle.Entry::name).toList();
    // Every BatchNorm after a convolution is folded (DCD's BN1 into Q, the outer one into W0 and
    // P); DCD's BN2 after Phi and ODConv's attention BatchNorm stay.
    assertFalse(keys.stream().anyMatch(k -> k.endsWith("moving_mean")
        && !k.endsWith("phi_batch_normalization/moving_mean")
        && !k.endsWith("attention/batch_normalization/moving_mean")), keys.toString());
    assertTrue(keys.contains(model + "/stem/batch_normalization/bias"), keys.toString());
    Dataset test = data.test().head(16);
    float[] x = new float[16 * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = test.pixels()[i] & 0xff;
    }
    try (Predictor a = Predictor.load(plain); Predictor b = Predictor.load(folded)) {
      for (int n : new int[] {1, 16}) {
        float[] xn = java.util.Arrays.copyOf(x, n * 784);
        AllClose.assertRelClose(AllClose.toDouble(a.logits(xn, n)), b.logits(xn, n), 1e-5,
            model + " folded vs unfolded, batch " + n);
      }
    }
  }
}

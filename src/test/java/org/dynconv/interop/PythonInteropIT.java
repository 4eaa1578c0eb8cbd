package org.dynconv.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.Threads;
import org.dynconv.infer.InferenceModel;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Json;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Java and Python TensorFlow on the same models: Java trains and exports the CondConv and
 * DynamicConv CNNs and records its outputs; the Python tests (src/test/python, in a virtual
 * environment with tensorflow-cpu 2.18) load the exports, run saved_model_cli, restore the
 * variables into an independent TF1-style implementation, and write a TF1 checkpoint of their
 * own, which Java then imports and must reproduce. {@code -DskipPython} skips the Python part.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PythonInteropIT {
  static final Path DIR = Path.of("target", "interop").toAbsolutePath();
  static final List<String> MODELS = List.of("small-cnn-condconv", "small-cnn-dynamic");
  static final int N = 5;

  static boolean skipPython() {
    return Boolean.parseBoolean(System.getProperty("skipPython", "false"));
  }

  static float[] inputs() {
    Dataset test = FashionMnist.embedded().test();
    float[] x = new float[N * test.imageSize()];
    for (int i = 0; i < x.length; i++) {
      x[i] = test.pixels()[i] & 0xff;
    }
    return x;
  }

  @Test
  @Order(1)
  void javaExportsAndRecordsOutputs() throws IOException {
    AtomicFiles.deleteTree(DIR);
    FashionMnist.Split data = FashionMnist.embedded();
    float[] x = inputs();
    for (String model : MODELS) {
      Path runDir = DIR.resolve(model).resolve("run");
      TrainConfig cfg = new TrainConfig(model, 0, 1, 32, 3, "sgd", 0.05, 0.9, "cosine", 0.2, 5e-4,
          0, 0, 0, 30, 1, 0.5, false, 0, 640);
      new Trainer(cfg, data.train(), data.test().head(200), new Trainer.Options(runDir, false,
          Threads.defaults(), new PrintStream(new ByteArrayOutputStream()), false)).run();
      Path export = RunExporter.export(RunDirectory.open(runDir),
          new SavedModelExporter.Target(DIR.resolve(model).resolve("savedmodel"), false, 0),
          Threads.defaults());
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("inputs_shape", new long[] {N, 28, 28, 1});
      json.put("inputs", x);
      try (Predictor p = Predictor.load(export)) {
        for (int b : new int[] {1, N}) {
          float[] xb = java.util.Arrays.copyOf(x, b * 784);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("logits", p.logits(xb, b));
          out.put("probabilities", p.predict(xb, b));
          out.put("routing", new LinkedHashMap<>(p.routing(xb, b)));
          json.put("batch" + b, out);
        }
      }
      Files.writeString(DIR.resolve(model).resolve("expected.json"), Json.write(json));
    }
  }

  @Test
  @Order(2)
  void pythonTests() throws IOException, InterruptedException {
    Assumptions.assumeFalse(skipPython(), "-DskipPython");
    Path script = Path.of("src", "test", "python", "run_python_tests.sh").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "-x", "-rA");
    pb.environment().put("INTEROP_DIR", DIR.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    System.out.println(out);
    assertEquals(0, p.exitValue(), "Python tests failed:\n" + out);
  }

  @Test
  @Order(3)
  void javaReproducesPythonCheckpoint() throws IOException {
    Assumptions.assumeFalse(skipPython(), "-DskipPython");
    float[] x = inputs();
    for (String model : MODELS) {
      Path py = DIR.resolve("python").resolve(model);
      float[] expected = Json.readFloats(Files.readString(py.resolve("logits.json")), "logits");
      try (InferenceModel m = InferenceModel.create(ModelZoo.get(model), Threads.defaults())) {
        m.loadWeights(py.resolve("model.ckpt"));
        AllClose.assertRelClose(AllClose.toDouble(expected), m.logits(x, N), 1e-4,
            model + " logits from Python's checkpoint");
      }
    }
  }
}

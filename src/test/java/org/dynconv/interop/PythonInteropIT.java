package org.dynconv.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.conv.kernels.ProbeExport;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.Threads;
import org.dynconv.infer.InferenceModel;
import org.dynconv.infer.LogitComparison;
import org.dynconv.importer.GoogleImporter;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.CustomModel;
import org.dynconv.models.ModelZoo;
import org.dynconv.serve.ModelServer;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Json;
import org.dynconv.testing.OwnModel;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.dynconv.train.TrainingCallback;
import org.example.ownloop.OwnLoopExample;
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
  /**
   * Every exported member of the dynamic family, by interop directory: zoo name and experts (0 =
   * the model's default); {@code small-cnn-odconv4} is ODConv with four kernels.
   */
  static final Map<String, Object[]> EXPORTS = exports();

  private static Map<String, Object[]> exports() {
    Map<String, Object[]> m = new LinkedHashMap<>();
    for (String model : MODELS) {
      m.put(model, new Object[] {model, 0});
    }
    m.put("small-cnn-dcd", new Object[] {"small-cnn-dcd", 0});
    m.put("small-cnn-dcd-dycls", new Object[] {"small-cnn-dcd-dycls", 0});
    m.put("small-cnn-odconv", new Object[] {"small-cnn-odconv", 0});
    m.put("small-cnn-odconv4", new Object[] {"small-cnn-odconv", 4});
    // A model written with the public layers, not in the zoo (OwnModel).
    m.put(OWN, new Object[] {OWN, 0});
    return m;
  }
  static final int N = 5;
  static final String OWN = "own-net";

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
    for (var entry : EXPORTS.entrySet()) {
      String model = entry.getKey();
      String zooName = (String) entry.getValue()[0];
      int experts = (Integer) entry.getValue()[1];
      Path runDir = DIR.resolve(model).resolve("run");
      TrainConfig cfg = TrainConfig.builder().model(zooName).experts(experts).epochs(1)
          .batchSize(32).seed(3).learningRate(0.05).warmupEpochs(0.2).weightDecay(5e-4)
          .temperature(30, 1, 0.5).trainLimit(640).build();
      Trainer.Options quiet = Trainer.Options.builder(runDir)
          .out(new PrintStream(new ByteArrayOutputStream())).build();
      // With a batch-1 copy, so the Python tests check it too.
      SavedModelExporter.Target target = new SavedModelExporter.Target(
          DIR.resolve(model).resolve("savedmodel"), false, 0, false, -1, List.of(1L));
      Path export;
      if (model.equals(OWN)) {
        CustomModel own = OwnModel.spec(OWN, 28, 1, 10);
        new Trainer(own, cfg, data.train(), data.test().head(200), quiet).run();
        export = RunExporter.export(RunDirectory.open(runDir), own, target, Threads.defaults());
      } else {
        new Trainer(cfg, data.train(), data.test().head(200), quiet).run();
        export = RunExporter.export(RunDirectory.open(runDir), target, Threads.defaults());
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("model", zooName);
      json.put("inputs_shape", new long[] {N, 28, 28, 1});
      json.put("inputs", x);
      try (Predictor p = Predictor.load(export)) {
        for (int b : new int[] {1, N}) {
          float[] xb = java.util.Arrays.copyOf(x, b * 784);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("logits", p.logits(xb, b));
          out.put("probabilities", p.predict(xb, b));
          out.put("routing", new LinkedHashMap<>(p.attentions(xb, b)));
          json.put("batch" + b, out);
        }
      }
      Map<String, Object> half = halfWidthExports(model, runDir, x);
      if (!half.isEmpty()) {
        json.put("half_width", half);
      }
      if (KERNELS.contains(model) && KernelLibrary.available()) {
        json.put("kernels", kernelsExport(runDir, DIR.resolve(model), x, json));
      }
      Files.writeString(DIR.resolve(model).resolve("expected.json"), Json.write(json));
    }
    // examples/own-loop: dynconv's layers trained in a loop of its own, exported by TF Java's
    // exporter, for test_own_loop.py.
    assertTrue(OwnLoopExample.run(DIR.resolve("own-loop")) >= 0.9, "the own-loop example trains");
    // A SavedModel holding the kernel library's probe op, for test_kernel_library.py.
    if (KernelLibrary.available()) {
      ProbeExport.write(DIR.resolve("kernels").resolve("probe"));
    }
  }

  /** The models exported with {@code --kernels} as well, for test_kernels_export.py. */
  static final List<String> KERNELS = List.of("small-cnn-condconv", "small-cnn-dynamic",
      "small-cnn-odconv4");

  /**
   * Exports {@code savedmodel-kernels} ({@code export --kernels}) from {@code runDir}, checks in
   * Java that it holds the library and that its logits equal the default export's (TensorFlow's
   * ops) within 1e-5, and returns its batch-N logits for Python.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> kernelsExport(Path runDir, Path dir, float[] x,
      Map<String, Object> json) throws IOException {
    SavedModelExporter.Target target = new SavedModelExporter.Target(
        dir.resolve("savedmodel-kernels"), false, 0, false, -1, List.of(), BankPrecision.FLOAT32,
        true);
    Path export = RunExporter.export(RunDirectory.open(runDir), target, Threads.defaults());
    assertTrue(Files.exists(export.resolve("assets.extra").resolve(KernelLibrary.FILE_NAME)),
        "an export using the kernel library holds it");
    float[] want = (float[]) ((Map<String, Object>) json.get("batch" + N)).get("logits");
    float[] got;
    try (Predictor p = Predictor.load(export)) {
      got = p.logits(x, N);
    }
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-5, "logit " + i + " of the --kernels export");
    }
    return Map.of("logits", got);
  }

  /**
   * The models whose half-width-bank exports Python checks, and the precisions: every layer family
   * with expert banks (CondConv, DynamicConv, ODConv with four kernels), float16 once.
   */
  static final Map<String, List<BankPrecision>> HALF_WIDTH = Map.of(
      "small-cnn-condconv", List.of(BankPrecision.BFLOAT16, BankPrecision.FLOAT16),
      "small-cnn-dynamic", List.of(BankPrecision.BFLOAT16),
      "small-cnn-odconv4", List.of(BankPrecision.BFLOAT16));

  /**
   * Exports {@code savedmodel-<dtype>} for the half-width precisions of {@code model} and returns
   * their batch-N logits by dtype, which the Python tests compare with their own run.
   */
  private static Map<String, Object> halfWidthExports(String model, Path runDir, float[] x)
      throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (BankPrecision bank : HALF_WIDTH.getOrDefault(model, List.of())) {
      SavedModelExporter.Target target = new SavedModelExporter.Target(
          DIR.resolve(model).resolve("savedmodel-" + bank.label()), false, 0, false, -1, List.of(),
          bank);
      Path export = RunExporter.export(RunDirectory.open(runDir), target, Threads.defaults());
      try (Predictor p = Predictor.load(export)) {
        out.put(bank.label(), Map.of("logits", p.logits(x, N)));
      }
    }
    return out;
  }

  @Test
  @Order(2)
  void pythonTests() throws IOException, InterruptedException {
    Assumptions.assumeFalse(skipPython(), "-DskipPython");
    Path script = Path.of("src", "test", "python", "run_python_tests.sh").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "-x", "-rA");
    pb.environment().put("INTEROP_DIR", DIR.toString());
    pb.redirectErrorStream(true);
    // The model server with every export, for test_serving_client.py and test_grpc_client.py
    // (TF-Serving clients of its REST and gRPC APIs).
    Map<String, Path> served = new LinkedHashMap<>();
    EXPORTS.keySet().forEach(m -> served.put(m, DIR.resolve(m).resolve("savedmodel")));
    try (ModelServer server = ModelServer.start(served, ModelServer.Options.defaults().withPorts(0, 0),
        Threads.defaults(), new PrintStream(new ByteArrayOutputStream()))) {
      pb.environment().put("SERVE_URL", "http://127.0.0.1:" + server.port());
      pb.environment().put("GRPC_TARGET", "127.0.0.1:" + server.grpcPort());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
      }
      System.out.println(out);
      assertEquals(0, p.exitValue(), "Python tests failed:\n" + out);
    }
  }

  @Test
  @Order(4)
  void googleImportMatchesTheIndependentReference() throws IOException {
    Assumptions.assumeFalse(skipPython(), "-DskipPython");
    for (String model : List.of("efficientnet-b0", "efficientnet-condconv-b0-4e")) {
      Path dir = DIR.resolve("google").resolve(model);
      String json = Files.readString(dir.resolve("reference.json"));
      float[] x = Json.readFloats(json, "inputs");
      for (boolean ema : new boolean[] {true, false}) {
        Path out = dir.resolve(ema ? "export-ema" : "export-raw");
        GoogleImporter.Result r = GoogleImporter.importCheckpoint(dir.resolve("model.ckpt"),
            ModelZoo.get(model), ema, new SavedModelExporter.Target(out, false, 0), Threads.defaults());
        assertEquals(ema ? r.variables() : 0, r.fromEma(), "EMA values used");
        float[] expected = Json.readFloats(json, ema ? "logits_ema" : "logits_raw");
        try (Predictor p = Predictor.load(r.exportDir())) {
          // The export names Google's 1000 classes, in the checkpoint's label order.
          assertEquals(1000, p.labels().size());
          assertEquals("tench", p.labels().get(0));
          assertEquals("golden retriever", p.labels().get(207));
          // Dynamic batch: both examples at once, then one at a time.
          AllClose.assertRelClose(AllClose.toDouble(expected), p.logits(x, 2), 1e-4,
              model + (ema ? " EMA" : " raw") + " batch 2");
          float[] first = p.logits(java.util.Arrays.copyOf(x, 224 * 224 * 3), 1);
          AllClose.assertRelClose(AllClose.toDouble(java.util.Arrays.copyOf(expected, 1000)), first,
              1e-4, model + " batch 1");
          if (ema) {
            // BatchNorm folded into the convolutions (random, far-from-identity statistics here).
            GoogleImporter.Result folded = GoogleImporter.importCheckpoint(dir.resolve("model.ckpt"),
                ModelZoo.get(model), true,
                new SavedModelExporter.Target(dir.resolve("export-folded"), false, 0, true),
                Threads.defaults());
            try (Predictor f = Predictor.load(folded.exportDir())) {
              AllClose.assertRelClose(AllClose.toDouble(p.logits(x, 2)), f.logits(x, 2), 1e-5,
                  model + " folded vs unfolded");
            }
          }
          if (ema && model.contains("condconv")) {
            halfWidthAgainstFloat32(dir, model, p);
          }
        }
      }
    }
  }

  /**
   * What half-width expert banks cost on the reference EfficientNet-CondConv (random weights from
   * the Python reference): top-1 agreement and the largest logit difference against the float32
   * export over 16 seeded random images, written to {@code half-width.txt} beside the checkpoint.
   * float16 keeps three more significant bits than bfloat16, so its logits must be closer.
   */
  private static void halfWidthAgainstFloat32(Path dir, String model, Predictor full)
      throws IOException {
    int n = 16, batch = 4, size = 224 * 224 * 3;
    float[] images = org.dynconv.testing.Rand.uniform(2019, n * size, 0, 255);
    StringBuilder report = new StringBuilder();
    double bfloat16Difference = Double.NaN;
    for (BankPrecision bank : List.of(BankPrecision.BFLOAT16, BankPrecision.FLOAT16)) {
      GoogleImporter.Result r = GoogleImporter.importCheckpoint(dir.resolve("model.ckpt"),
          ModelZoo.get(model), true, new SavedModelExporter.Target(
              dir.resolve("export-" + bank.label()), false, 0, false, -1, List.of(), bank),
          Threads.defaults());
      LogitComparison c = new LogitComparison();
      try (Predictor half = Predictor.load(r.exportDir())) {
        for (int from = 0; from < n; from += batch) {
          float[] xb = java.util.Arrays.copyOfRange(images, from * size, (from + batch) * size);
          c.add(full.logits(xb, batch), half.logits(xb, batch), batch, 1000);
        }
      }
      report.append(model).append(", ").append(bank.label()).append(" banks against float32, ")
          .append(n).append(" random images: ").append(c.summary()).append('\n');
      assertTrue(c.maxAbsDifference() > 0, bank + ": the same logits as float32");
      if (bank == BankPrecision.BFLOAT16) {
        bfloat16Difference = c.maxAbsDifference();
      } else {
        assertTrue(c.maxAbsDifference() < bfloat16Difference, report.toString());
      }
    }
    Files.writeString(dir.resolve("half-width.txt"), report.toString());
    System.out.print(report);
  }

  @Test
  @Order(5)
  void importedModelFineTunesWithANewHead() throws IOException {
    Assumptions.assumeFalse(skipPython(), "-DskipPython");
    Path imported = DIR.resolve("google").resolve("efficientnet-condconv-b0-4e").resolve("export-ema");
    FashionMnist.Split data = FashionMnist.embedded();
    // One batch of 16 images seen 20 times (20 epochs of one step), without dropout and
    // drop-connect: its loss must fall. The reference's random weights at 28 px make the loss
    // very steep: the stages whose feature map is 1x1 normalise each channel over 16 values, and
    // the gradient norm is of order 1e4 (the first SGD step of 1e-9 lowers the loss by 0.3). At any
    // usual learning rate (Adam 1e-4, SGD 1e-3 or 3e-5) the loss then jumps by nats from step to
    // step, runs differ from the fourth step on (oneDNN is not bit-reproducible here) and whether
    // 40 steps ended lower was a matter of chance: CI once saw 4.45 -> 3.33. Plain gradient descent
    // with a step this small follows the gradient, and two runs agreed to two decimals.
    int steps = 20;
    TrainConfig cfg = TrainConfig.builder().model("efficientnet-condconv-b0-4e").epochs(steps)
        .batchSize(16).seed(3).learningRate(1e-9).schedule("constant").warmupEpochs(0)
        .weightDecay(1e-5).temperature(30, 1, 0).trainLimit(16).initFrom(imported.toString())
        .numClasses(10).resolution(28).build();
    org.dynconv.models.EfficientNet spec = ((org.dynconv.models.EfficientNet) cfg.modelSpec())
        .withRegularisation(0, 1);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<double[]> losses = new java.util.ArrayList<>();
    Path run = DIR.resolve("finetune");
    AtomicFiles.deleteTree(run);
    Trainer.Result r = new Trainer(spec, cfg, data.train(), data.test().head(200),
        Trainer.Options.builder(run).out(new PrintStream(log, true)).callbacks(
            TrainingCallback.everyStep((step, loss, acc, lr, t) -> losses.add(new double[] {loss})))
            .build()).run();
    String text = log.toString(StandardCharsets.UTF_8);
    // Everything but the 1000-class head came from the import.
    org.junit.jupiter.api.Assertions.assertTrue(text.contains("warm start from " + imported
        + ": 325 of 327 variables; initialised anew: efficientnet-condconv-b0-4e/head/dense/kernel"
        + " [1280, 10], efficientnet-condconv-b0-4e/head/dense/bias [10]"), text);
    org.junit.jupiter.api.Assertions.assertEquals(steps, r.steps());
    double first = 0;
    double last = 0;
    for (int i = 0; i < 5; i++) {
      first += losses.get(i)[0] / 5;
      last += losses.get(steps - 1 - i)[0] / 5;
    }
    org.junit.jupiter.api.Assertions.assertTrue(last < 0.75 * first,
        "mean loss of the first 5 steps " + first + ", of the last 5 " + last);
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

package org.dynconv.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.io.AtomicFiles;
import org.dynconv.testing.AllClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A static-batch copy changes which strategies run (FUSED at batch 1, LOOP above), never what the
 * model computes: each copy gives the logits and routing outputs of a plain dynamic-batch build
 * with the same weights (itself checked against the float64 reference layer by layer elsewhere),
 * and shares the variables instead of holding its own.
 */
class BatchCopiesTest {
  @ParameterizedTest
  @CsvSource({
      "small-cnn-condconv, 1 4",
      "small-cnn-dynamic, 1 4",
      "small-cnn-dcd, 1 4",
      "small-cnn-odconv, 1 4",
      "efficientnet-condconv-b0-4e, 1"})
  void everyCopyComputesWhatTheDynamicBuildComputes(String name, String sizes) throws Exception {
    ModelSpec spec = ModelZoo.get(name);
    List<Long> batches = java.util.Arrays.stream(sizes.split(" ")).map(Long::valueOf).toList();
    Path dir = Files.createTempDirectory("dynconv-copies-");
    try (Graph plain = new Graph(); Graph withCopies = new Graph()) {
      Model p = spec.build(LayerScope.root(plain, 5), Mode.INFER);
      BatchCopies c = BatchCopies.build(spec, LayerScope.root(withCopies, 0),
          BuildOptions.of(Mode.INFER), batches);
      assertEquals(batches, List.copyOf(c.byBatch().keySet()));
      try (Session ps = new Session(plain); Session cs = new Session(withCopies)) {
        ps.initialize();
        ps.save(dir.resolve("w").toString());
        cs.restore(dir.resolve("w").toString());
        for (long b : batches) {
          Model copy = c.byBatch().get(b);
          assertEquals(b, copy.images().shape().get(0), "the copy's batch is static");
          float[] x = pixels(spec, (int) b);
          AllClose.assertRelClose(AllClose.toDouble(run(ps, p.images(), p.logits(), x, spec)),
              run(cs, copy.images(), copy.logits(), x, spec), 1e-4, name + " logits at B=" + b);
          assertEquals(p.routingSignatureOutputs().keySet(),
              copy.routingSignatureOutputs().keySet());
          for (var e : p.routingSignatureOutputs().entrySet()) {
            AllClose.assertRelClose(AllClose.toDouble(run(ps, p.images(), e.getValue(), x, spec)),
                run(cs, copy.images(), copy.routingSignatureOutputs().get(e.getKey()), x, spec),
                1e-4, name + " " + e.getKey() + " at B=" + b);
          }
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  @Test
  void copiesShareTheVariablesOfTheDynamicBuild() {
    ModelSpec spec = ModelZoo.get("small-cnn-condconv");
    try (Graph g = new Graph()) {
      BatchCopies c = BatchCopies.build(spec, LayerScope.root(g, 0), BuildOptions.of(Mode.INFER),
          List.of(1L, 8L));
      for (Model copy : c.byBatch().values()) {
        assertEquals(c.dynamic().variables().size(), copy.variables().size());
        for (int i = 0; i < copy.variables().size(); i++) {
          assertEquals(c.dynamic().variables().get(i), copy.variables().get(i));
        }
      }
      long variableOps = 0;
      for (var it = g.operations(); it.hasNext(); ) {
        if (((GraphOperation) it.next()).type().equals("VariableV2")) {
          variableOps++;
        }
      }
      assertEquals(c.dynamic().variables().size(), variableOps, "one VariableV2 per variable");
    }
  }

  /**
   * Copies of a half-width-bank export share its half-width banks (one variable each, checked by
   * the build) and compute what its dynamic-batch signature computes. float16 rounds to nearest,
   * so the two paths' mixed kernels differ by at most one unit in the last place (2^-11).
   */
  @Test
  void halfWidthCopiesShareTheBanksAndAgreeWithTheDynamicSignature() throws Exception {
    ModelSpec spec = ModelZoo.get("small-cnn-condconv");
    Path dir = Files.createTempDirectory("dynconv-copies-half-");
    try {
      Path weights = initialWeights(spec, dir.resolve("w").resolve("w"));
      Path half = SavedModelExporter.export(spec, weights, new SavedModelExporter.Target(
          dir.resolve("half"), false, 0, false, -1, List.of(1L, 3L), BankPrecision.FLOAT16), null,
          Map.of(), Threads.defaults());
      assertTrue(Files.readString(half.resolve("assets.extra").resolve("dynconv.properties"))
          .contains("bank.dtype=float16"));
      try (Predictor p = Predictor.load(half)) {
        for (int n : new int[] {1, 3}) {
          float[] x = pixels(spec, n);
          float[] dynamic = p.run("serving_default", Map.of("images", new Predictor.FloatTensor(
              new long[] {n, 28, 28, 1}, x))).get("logits").values();
          assertEquals("serving_default_batch_" + n, p.signatureFor("serving_default", n));
          AllClose.assertRelClose(AllClose.toDouble(dynamic), p.logits(x, n), 1e-3,
              "float16 banks, copy against dynamic signature at B=" + n);
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  /** Saves {@code spec}'s seeded initial weights as the checkpoint {@code prefix}. */
  private static Path initialWeights(ModelSpec spec, Path prefix) {
    try (Graph g = new Graph()) {
      spec.build(LayerScope.root(g, 3), Mode.INFER);
      try (Session s = new Session(g)) {
        s.initialize();
        s.save(prefix.toString());
      }
    }
    return prefix;
  }

  @Test
  void predictorRunsTheCopyOfTheBatchSizeAndBothAgree() throws Exception {
    ModelSpec spec = ModelZoo.get("small-cnn-condconv");
    Path dir = Files.createTempDirectory("dynconv-copies-export-");
    try {
      Path weights = initialWeights(spec, dir.resolve("w").resolve("w"));
      Path with = SavedModelExporter.export(spec, weights, new SavedModelExporter.Target(
          dir.resolve("with"), false, 0, false, -1, List.of(1L)), null, Map.of(),
          Threads.defaults());
      Path without = SavedModelExporter.export(spec, weights, new SavedModelExporter.Target(
          dir.resolve("without"), false, 0, false, -1, List.of()), null, Map.of(),
          Threads.defaults());
      try (Predictor a = Predictor.load(with); Predictor b = Predictor.load(without)) {
        assertEquals("serving_default_batch_1", a.signatureFor("serving_default", 1));
        assertEquals("routing_batch_1", a.signatureFor("routing", 1));
        assertEquals("serving_default", a.signatureFor("serving_default", 3));
        assertEquals("serving_default", b.signatureFor("serving_default", 1));
        for (int n : new int[] {1, 3}) {
          float[] x = pixels(spec, n);
          AllClose.assertRelClose(AllClose.toDouble(b.logits(x, n)), a.logits(x, n), 1e-4,
              "logits at B=" + n);
          var ra = a.attentions(x, n);
          var rb = b.attentions(x, n);
          assertEquals(rb.keySet(), ra.keySet());
          rb.forEach((k, v) -> AllClose.assertRelClose(AllClose.toDouble(v), ra.get(k), 1e-4, k));
          var outA = a.run("serving_default", Map.of("images", new Predictor.FloatTensor(
              new long[] {n, 28, 28, 1}, x)));
          AllClose.assertRelClose(AllClose.toDouble(b.logits(x, n)), outA.get("logits").values(),
              1e-4, "run(serving_default) at B=" + n);
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  @Test
  void refusesWhatItCannotCopy() {
    ModelSpec spec = ModelZoo.get("small-cnn-condconv");
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 0);
      IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
          () -> BatchCopies.build(spec, root, BuildOptions.of(Mode.TRAIN), List.of(1L)));
      assertTrue(train.getMessage().contains("mode=INFER"), train.getMessage());
      IllegalArgumentException fixed = assertThrows(IllegalArgumentException.class,
          () -> BatchCopies.build(spec, root, new BuildOptions(Mode.INFER, 8, false),
              List.of(1L)));
      assertTrue(fixed.getMessage().contains("unknown batch"), fixed.getMessage());
      // Without copies, any options build the model alone (static-batch exports).
      try (Graph h = new Graph()) {
        BatchCopies alone = BatchCopies.build(spec, LayerScope.root(h, 0),
            new BuildOptions(Mode.INFER, 8, false), List.of());
        assertEquals(8, alone.dynamic().images().shape().get(0));
        assertTrue(alone.byBatch().isEmpty());
      }
      for (List<Long> bad : List.of(List.of(1L, 1L), List.of(0L), List.of(-1L))) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> BatchCopies.build(spec, root, BuildOptions.of(Mode.INFER), bad));
        assertTrue(e.getMessage().contains("batches=" + bad), e.getMessage());
      }
    }
  }

  private static float[] run(Session s, Operand<TFloat32> images, Operand<TFloat32> output,
      float[] x, ModelSpec spec) {
    int b = x.length / (spec.height() * spec.width() * spec.channels());
    try (TFloat32 in = Tensors.of(Shape.of(b, spec.height(), spec.width(), spec.channels()), x);
        Result r = s.runner().feed(images, in).fetch(output).run()) {
      return Tensors.toArray((TFloat32) r.get(0));
    }
  }

  private static float[] pixels(ModelSpec spec, int b) {
    float[] px = new float[b * spec.height() * spec.width() * spec.channels()];
    SplittableRandom r = new SplittableRandom(b);
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) (r.nextDouble() * 255);
    }
    return px;
  }
}

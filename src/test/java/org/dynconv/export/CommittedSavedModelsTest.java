package org.dynconv.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dynconv.infer.Predictor;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exports committed under savedmodels/ load in Java, reproduce the outputs recorded beside
 * them (computed by the independent Python TF1 reference), and match their MANIFEST's sha256 sums.
 */
class CommittedSavedModelsTest {
  @ParameterizedTest
  @ValueSource(strings = {"small-cnn-condconv", "small-cnn-dynamic"})
  void loadsAndReproducesRecordedOutputs(String model) throws IOException {
    Path dir = Path.of("savedmodels", model);
    String samples = Files.readString(dir.resolve("samples.json"));
    float[] x = Json.readFloats(samples, "inputs");
    try (Predictor p = Predictor.load(dir)) {
      AllClose.assertRelClose(AllClose.toDouble(Json.readFloats(samples, "logits")), p.logits(x, 5),
          1e-4, model + " logits");
      AllClose.assertRelClose(AllClose.toDouble(Json.readFloats(samples, "probabilities")),
          p.predict(x, 5), 1e-4, model + " probabilities");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"small-cnn-condconv", "small-cnn-dynamic"})
  void manifestChecksumsMatch(String model) throws IOException, NoSuchAlgorithmException {
    Path dir = Path.of("savedmodels", model);
    Matcher m = Pattern.compile("^\\| `([0-9a-f]{64})` \\| `([^`]+)` \\|", Pattern.MULTILINE)
        .matcher(Files.readString(dir.resolve("MANIFEST.md")));
    int files = 0;
    while (m.find()) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(m.group(2))));
      assertEquals(m.group(1), HexFormat.of().formatHex(digest), m.group(2));
      files++;
    }
    assertFalse(files == 0, "MANIFEST.md lists its files");
  }
}

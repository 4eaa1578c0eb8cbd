package org.dynconv.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.dynconv.graph.BankPrecision;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dynconv.properties} says what the export holds, not only what was asked for. */
class ExportPropertiesTest {
  static String bankDtype(Path export) throws IOException {
    return property(export, "bank.dtype");
  }

  static String property(Path export, String key) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(export.resolve("assets.extra/dynconv.properties"))) {
      p.load(r);
    }
    return p.getProperty(key);
  }

  static SavedModelExporter.Target target(Path dir, BankPrecision bank) {
    return new SavedModelExporter.Target(dir, false, 0, false, -1, List.of(), bank);
  }

  @Test
  void aModelWithoutExpertBanksStaysFloat32(@TempDir Path dir) throws IOException {
    Path export = TestExports.export(ModelZoo.get("small-cnn-static"), 1,
        target(dir.resolve("static"), BankPrecision.BFLOAT16));
    assertEquals("float32 (bfloat16 was asked for; this model has no expert banks)",
        bankDtype(export));
  }

  @Test
  void aModelWithExpertBanksSaysHalfWidth(@TempDir Path dir) throws IOException {
    Path export = TestExports.export(ModelZoo.get("small-cnn-condconv"), 1,
        target(dir.resolve("cond"), BankPrecision.BFLOAT16));
    assertEquals("bfloat16 (expert-bank kernels stored and mixed at half width, mixed kernels"
        + " widened to float32 for the convolution)", bankDtype(export));
  }
}

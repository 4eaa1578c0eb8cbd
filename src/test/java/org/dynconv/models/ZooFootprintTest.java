package org.dynconv.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table {@code dynconv models} reads equals what building every zoo model counts. When a model
 * changes, regenerate it with {@code mvn -q test -Dtest=ZooFootprintTest
 * -Ddynconv.writeZooFootprint=true} and commit it. (The counts themselves are checked against
 * Google's totals and the MobileNetV2 stage table by EfficientNetTest and MobileNetV2Test.)
 */
class ZooFootprintTest {
  static final Path FILE = Path.of("src/main/resources/org/dynconv/models", ZooFootprint.RESOURCE);

  @Test
  void theStoredTableIsWhatTheBuildsCount() throws IOException {
    List<ZooFootprint.Row> measured = ZooFootprint.entries().stream().map(ZooFootprint::measure)
        .toList();
    String want = ZooFootprint.csv(measured);
    if (Boolean.getBoolean("dynconv.writeZooFootprint")) {
      Files.writeString(FILE, want);
    }
    assertEquals(want, Files.readString(FILE), "regenerate " + FILE
        + " with -Ddynconv.writeZooFootprint=true (see this test's javadoc)");
    assertEquals(measured, ZooFootprint.stored(), "the jar's copy");
  }
}

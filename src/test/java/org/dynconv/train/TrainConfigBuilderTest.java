package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dynconv.io.AtomicFiles;
import org.junit.jupiter.api.Test;

/**
 * The builder starts from train's defaults, validates, and round-trips; the run.properties files
 * that earlier versions wrote (the study's committed run directories) read back to the same
 * entries, so those runs resume.
 */
class TrainConfigBuilderTest {
  @Test
  void builderStartsFromTheDefaultsAndSetsWhatDiffers() {
    assertEquals(TrainConfig.defaults(), TrainConfig.builder().build());
    TrainConfig c = TrainConfig.builder().epochs(3).optimizer("adam").learningRate(1e-3)
        .temperature(10, 1, 0.5).earlyStoppingPatience(2).build();
    assertEquals(3, c.epochs());
    assertEquals("adam", c.optimizer());
    assertEquals(10, c.temperatureStart());
    assertEquals(0.5, c.temperatureEpochs());
    assertEquals(2, c.earlyStoppingPatience());
    assertEquals(TrainConfig.defaults().batchSize(), c.batchSize());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void invalidValuesFailWhenBuilt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainConfig.builder().epochs(0).build());
    assertEquals("TrainConfig: epochs=0 is invalid; expected 1 <= epochs <= 100000.", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TrainConfig.builder().optimizer("lion").build());
    assertEquals("TrainConfig: optimizer=lion is invalid; expected one of sgd, adam, rmsprop.",
        e.getMessage());
  }

  @Test
  void runsWrittenBeforeEarlyStoppingReadAsOff() {
    Map<String, String> m = new LinkedHashMap<>(TrainConfig.defaults().toMap());
    m.remove("earlyStoppingPatience");
    assertEquals(TrainConfig.defaults(), TrainConfig.fromMap(m, "old run.properties"));
  }

  @Test
  void runPropertiesWrittenByEarlierVersionsReadBackToTheSameEntries() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of("src/site/study"))) {
      files = s.filter(f -> f.getFileName().toString().equals("run.properties")).sorted().toList();
    }
    assertTrue(files.size() >= 10, "the study's committed run directories: " + files.size());
    for (Path f : files) {
      Map<String, String> written = AtomicFiles.readProperties(f);
      Map<String, String> read = TrainConfig.fromMap(written, f.toString()).toMap();
      // Entries added later (decayRouting, earlyStoppingPatience) read as their documented
      // defaults; every entry the file has reads back as written, in the same order.
      assertEquals(List.copyOf(written.keySet()),
          read.keySet().stream().filter(written::containsKey).toList(), f.toString());
      written.forEach((k, v) -> assertEquals(v, read.get(k), f + ": " + k));
    }
  }

  @Test
  void aMissingOrMalformedEntryNamesTheFileAndKey() {
    Map<String, String> m = new LinkedHashMap<>(TrainConfig.defaults().toMap());
    m.remove("seed");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TrainConfig.fromMap(m, "runs/a/run.properties"));
    assertEquals("TrainConfig: 'runs/a/run.properties' has no 'seed' entry.", e.getMessage());
    m.put("seed", "one");
    e = assertThrows(IllegalStateException.class,
        () -> TrainConfig.fromMap(m, "runs/a/run.properties"));
    assertEquals("TrainConfig: 'runs/a/run.properties' has a malformed number (For input string:"
        + " \"one\").", e.getMessage());
  }
}

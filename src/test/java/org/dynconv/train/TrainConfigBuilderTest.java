package org.dynconv.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The builder starts from train's defaults, validates through the record, and round-trips. */
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
  void invalidValuesFailInTheRecordsConstructor() {
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
}

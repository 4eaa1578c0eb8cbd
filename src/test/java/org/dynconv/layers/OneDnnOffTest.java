package org.dynconv.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With {@code TF_ENABLE_ONEDNN_OPTS=0} the grouped-conv gradient does not exist on CPU; AUTO must
 * detect that and still train. The setting is read when TensorFlow loads, so it runs in a forked
 * JVM ({@link OneDnnOffChild}).
 */
class OneDnnOffTest {
  @Test
  void autoStillTrainsWithOneDnnOff() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        OneDnnOffChild.class.getName());
    pb.environment().put("TF_ENABLE_ONEDNN_OPTS", "0");
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child timed out");
    assertEquals(0, p.exitValue(), "child failed:\n" + out);
    assertTrue(out.contains("CHILD OK grouped-conv gradients unavailable (TF_ENABLE_ONEDNN_OPTS=0)"),
        out);
    assertTrue(out.contains("strategy GROUPED cannot be trained on this runtime"), out);
  }
}

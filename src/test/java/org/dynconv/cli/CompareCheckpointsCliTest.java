package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dynconv.testing.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/** compare-checkpoints: exit codes, output, and the three ways to name a checkpoint. */
class CompareCheckpointsCliTest {
  private static Map<String, Object[]> ckpt(float last) {
    return new java.util.LinkedHashMap<>(Map.of("w", new Object[] {new float[] {1, 2, last},
        Shape.of(3)}));
  }

  /** Exit code and standard output (the command prints its table there). */
  private static CliTestSupport.Run run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      CliTestSupport.Run r = CliTestSupport.inProcess(args);
      return new CliTestSupport.Run(r.exit(), r.err(), out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void exitsZeroWithinToleranceAndOneBeyond(@TempDir Path dir) throws IOException {
    Path a = Checkpoints.write(dir.resolve("a"), ckpt(3));
    Path b = Checkpoints.write(dir.resolve("b"), ckpt(3.5f));
    CliTestSupport.Run exact = run("compare-checkpoints", a.toString(), b.toString());
    assertEquals(1, exact.exit(), exact.out() + exact.err());
    assertTrue(exact.out().contains("max |A-B| 5.000e-01  beyond tolerance"), exact.out());
    assertTrue(exact.out().contains("1 keys: 0 differ in name, dtype or shape; 0 identical; 1 beyond"
        + " tolerance 0; largest difference 5.000e-01 (w)"), exact.out());
    assertTrue(exact.out().contains("the checkpoints differ"), exact.out());
    CliTestSupport.Run loose = run("compare-checkpoints", a.toString(), b.toString(),
        "--tolerance", "0.5");
    assertEquals(0, loose.exit(), loose.out() + loose.err());
    assertTrue(loose.out().contains("the checkpoints agree"), loose.out());
  }

  @Test
  void acceptsCheckpointAndRunDirectories(@TempDir Path dir) throws IOException {
    // A checkpoint directory (model.index inside) and a run directory (checkpoints/latest).
    Path ckptDir = Files.createDirectories(dir.resolve("ckpt"));
    Checkpoints.write(ckptDir.resolve("model"), ckpt(3));
    Path named = Files.createDirectories(dir.resolve("run/checkpoints/ckpt-000000010"));
    Checkpoints.write(named.resolve("model"), ckpt(3));
    Files.writeString(named.resolve("state.properties"), stateProperties());
    Files.writeString(dir.resolve("run/checkpoints/latest"), "ckpt-000000010\n");
    CliTestSupport.Run r = run("compare-checkpoints", ckptDir.toString(), dir.resolve("run")
        .toString(), "--all");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("B: " + named.resolve("model")), r.out());
    assertTrue(r.out().contains("max |A-B| 0.000e+00"), r.out());
  }

  @Test
  void badArgumentsGetOneLineAndExitTwo(@TempDir Path dir) throws IOException {
    Path a = Checkpoints.write(dir.resolve("a"), ckpt(3));
    CliTestSupport.Run missing = run("compare-checkpoints", a.toString(), dir.resolve("nope")
        .toString());
    assertEquals(2, missing.exit());
    assertEquals(java.util.List.of("dynconv compare-checkpoints: B '" + dir.resolve("nope")
        + "' is not a checkpoint: '" + dir.resolve("nope") + ".index' does not exist; expected a"
        + " checkpoint prefix, a checkpoint directory or a run directory."),
        CliTestSupport.dynconvLines(missing.err()));
    CliTestSupport.Run empty = run("compare-checkpoints", dir.toString(), a.toString());
    assertEquals(2, empty.exit());
    assertTrue(empty.err().contains("A '" + dir + "' is a directory without model.index"),
        empty.err());
    CliTestSupport.Run tol = run("compare-checkpoints", a.toString(), a.toString(), "--tolerance",
        "-1");
    assertEquals(2, tol.exit());
    assertTrue(tol.err().contains("--tolerance=-1.0 is invalid; expected a finite number >= 0."),
        tol.err());
  }

  /** A TrainState the checkpoint store accepts. */
  private static String stateProperties() {
    StringBuilder sb = new StringBuilder();
    org.dynconv.train.TrainState.start(1.0, 32).toMap().forEach((k, v) -> sb.append(k).append('=')
        .append(v).append('\n'));
    return sb.toString();
  }
}

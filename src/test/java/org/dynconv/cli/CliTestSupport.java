package org.dynconv.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the CLI in-process (for error cases) or in a forked JVM (for whole runs). */
final class CliTestSupport {
  private CliTestSupport() {}

  /** Exit code and standard error of an in-process run. */
  record Run(int exit, String err, String out) {}

  static Run inProcess(String... args) {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(err, true), args);
    return new Run(code, err.toString(), "");
  }

  /** Runs {@code java -cp <test classpath> org.dynconv.cli.Main args} in {@code dir}. */
  static Run forked(Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.environment().putAll(env);
    Path errFile = dir.resolve(".stderr-" + System.nanoTime());
    pb.redirectError(errFile.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("forked dynconv timed out: " + cmd);
    }
    String err = Files.readString(errFile);
    Files.deleteIfExists(errFile);
    return new Run(p.exitValue(), err, out);
  }

  /** The stderr lines that are dynconv's, without TensorFlow's native log lines. */
  static List<String> dynconvLines(String err) {
    return err.lines().filter(l -> l.startsWith("dynconv")).toList();
  }

  static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}

package org.dynconv.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dynconv as a dependency of other Maven projects: the built jar is installed into the local
 * repository with dynconv's pom (its dependencies resolve transitively), and each example project
 * is copied out of the tree, built offline ({@code mvn -o}: once dynconv has built, the examples
 * need nothing more from the network) against that artifact alone, and run. {@code
 * examples/custom-model} trains a model of its own with dynconv's trainer on an image folder it
 * writes and must classify the test images with the export as well as the trainer measured; {@code
 * examples/own-loop} trains dynconv's layers in a loop of its own and exports with TF Java's
 * exporter (Python checks that export in {@code PythonInteropIT}).
 */
class CustomModelExampleIT {
  static final Path ROOT = Path.of("").toAbsolutePath();

  @Test
  void separateProjectsBuildOfflineTrainAndExportAgainstTheInstalledJar(@TempDir Path tmp)
      throws Exception {
    Path jar = ROOT.resolve("target/dynconv.jar");
    assertTrue(Files.isRegularFile(jar), "the package phase built " + jar);
    run(ROOT, "install:install-file", "-Dfile=" + jar, "-DpomFile=" + ROOT.resolve("pom.xml"));

    String out = buildAndRun(tmp, "custom-model", "org.example.customdc.CustomModelExample");
    assertTrue(out.contains("labels [checker, horizontal, vertical]"), out);
    Matcher m = Pattern.compile("trainer accuracy ([0-9.]+), export accuracy ([0-9.]+) on 48")
        .matcher(out);
    assertTrue(m.find(), out);
    assertEquals(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), 1e-4,
        "the export classifies the test folder as the trainer's last validation did");
    assertTrue(Double.parseDouble(m.group(2)) >= 0.8, out);
    assertTrue(Files.isRegularFile(tmp.resolve("custom-model-work/export/saved_model.pb")),
        "the export");

    out = buildAndRun(tmp, "own-loop", "org.example.ownloop.OwnLoopExample");
    m = Pattern.compile("held-out accuracy ([0-9.]+)").matcher(out);
    assertTrue(m.find() && Double.parseDouble(m.group(1)) >= 0.9, out);
    assertTrue(Files.isRegularFile(tmp.resolve("own-loop-work/savedmodel/saved_model.pb")), out);
  }

  /** Copies examples/NAME out of the tree, builds it offline and runs MAIN on NAME-work. */
  private static String buildAndRun(Path tmp, String name, String main) throws Exception {
    Path project = tmp.resolve(name);
    copyTree(ROOT.resolve("examples").resolve(name), project);
    run(project, "-o", "package", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt");
    String cp = project.resolve("target/classes") + java.io.File.pathSeparator
        + Files.readString(project.resolve("cp.txt")).trim();
    assertTrue(cp.contains("dynconv-0.1.0.jar"), "the classpath uses the installed artifact: " + cp);
    return exec(project, List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", cp, main, tmp.resolve(name + "-work").toString()));
  }

  private static void run(Path dir, String... goals) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    String home = System.getProperty("maven.home");
    cmd.add(home != null && !home.isEmpty() ? Path.of(home, "bin", "mvn").toString() : "mvn");
    cmd.add("-B");
    cmd.add("-q");
    cmd.addAll(List.of(goals));
    exec(dir, cmd);
  }

  private static String exec(Path dir, List<String> cmd) throws IOException, InterruptedException {
    Path log = Files.createTempFile("custom-model-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + String.join(" ", cmd));
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
      return out;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path rel = from.relativize(f);
        if (rel.startsWith("target")) {
          continue;
        }
        Path dst = to.resolve(rel.toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(f, dst);
        }
      }
    }
  }
}

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
 * dynconv as a dependency of another Maven project: the built jar is installed into the local
 * repository with dynconv's pom (its dependencies resolve transitively), {@code
 * examples/custom-model} is copied out of the tree, built by Maven against that artifact alone, and
 * run; it trains a model of its own on an image folder it writes, exports it and must classify the
 * test images with the export as well as the trainer measured.
 */
class CustomModelExampleIT {
  static final Path ROOT = Path.of("").toAbsolutePath();

  @Test
  void aSeparateProjectBuildsTrainsAndExportsAgainstTheInstalledJar(@TempDir Path tmp)
      throws Exception {
    Path jar = ROOT.resolve("target/dynconv.jar");
    assertTrue(Files.isRegularFile(jar), "the package phase built " + jar);
    run(ROOT, "install:install-file", "-Dfile=" + jar, "-DpomFile=" + ROOT.resolve("pom.xml"));

    Path project = tmp.resolve("custom-model");
    copyTree(ROOT.resolve("examples/custom-model"), project);
    run(project, "package", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt");
    String cp = project.resolve("target/classes") + java.io.File.pathSeparator
        + Files.readString(project.resolve("cp.txt")).trim();
    assertTrue(cp.contains("dynconv-0.1.0.jar"), "the classpath uses the installed artifact: " + cp);

    String out = exec(project, List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", cp, "org.example.customdc.CustomModelExample",
        tmp.resolve("work").toString()));
    assertTrue(out.contains("labels [checker, horizontal, vertical]"), out);
    Matcher m = Pattern.compile("trainer accuracy ([0-9.]+), export accuracy ([0-9.]+) on 48")
        .matcher(out);
    assertTrue(m.find(), out);
    assertEquals(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), 1e-4,
        "the export classifies the test folder as the trainer's last validation did");
    assertTrue(Double.parseDouble(m.group(2)) >= 0.8, out);
    assertTrue(Files.isRegularFile(tmp.resolve("work/export/saved_model.pb")), "the export");
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

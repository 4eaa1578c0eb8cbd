package org.dynconv.serve;

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
import org.dynconv.bench.MemorySoak;

/**
 * {@code dynconv serve} in a child JVM, for tests about the server as a process: its signals and
 * its memory. The child's output goes to a file, not a pipe: reading a pipe while the child exits
 * can fail with "Stream closed" and lose the last lines.
 */
final class ServeProcess implements AutoCloseable {
  final Process process;
  final int port;
  private final Path log;

  private ServeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts {@code java JVM_OPTIONS org.dynconv.cli.Main serve SERVE_ARGS --port 0 --grpc-port 0}
   * and waits up to
   * two minutes for the URL of {@code model}, which gives the port.
   */
  static ServeProcess start(Path log, String model, List<String> jvmOptions, List<String> serveArgs)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.dynconv.cli.Main",
        "serve"));
    command.addAll(serveArgs);
    command.addAll(List.of("--port", "0", "--grpc-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    Pattern url = Pattern.compile("serve: http://127\\.0\\.0\\.1:(\\d+)/v1/models/"
        + Pattern.quote(model) + "\\b");
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        p.isAlive() && System.nanoTime() < deadline; ) {
      Matcher m = url.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (m.find()) {
        return new ServeProcess(p, Integer.parseInt(m.group(1)), log);
      }
      Thread.sleep(100);
    }
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    throw new AssertionError("serve printed no URL for " + model + ":\n"
        + Files.readString(log, StandardCharsets.UTF_8));
  }

  /** The gRPC port the child printed ({@code serve: gRPC 127.0.0.1:PORT}). */
  int grpcPort() throws IOException {
    Matcher m = Pattern.compile("serve: gRPC 127\\.0\\.0\\.1:(\\d+)").matcher(log());
    assertTrue(m.find(), "serve printed no gRPC port:\n" + log());
    return Integer.parseInt(m.group(1));
  }

  /** What the child has printed so far. */
  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** The child's resident memory (VmRSS of /proc/PID/status), in bytes. */
  long residentBytes() {
    long bytes = MemorySoak.rss(process.pid());
    assertTrue(bytes > 0, "no resident size readable for the server's process " + process.pid());
    return bytes;
  }

  /** Kills the child if it is still running, so no server outlives a failed assertion. */
  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the server did not die");
  }
}

package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed options' bad input: one line, the right exit code, nothing written. A worker
 * whose peer never comes fails after its collective timeout naming that peer (in a child JVM:
 * a failed collective poisons its process).
 */
class DistributedTrainCliTest {
  @TempDir
  Path dir;

  private void assertFails(int exit, String message, String... args) {
    CliTestSupport.Run r = CliTestSupport.inProcess(args);
    assertEquals(exit, r.exit(), r.err());
    List<String> lines = CliTestSupport.dynconvLines(r.err());
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains(message), lines.get(0));
    assertFalse(Files.exists(dir.resolve("run")), "nothing written");
  }

  @Test
  void badDistributedOptions() throws IOException {
    String o = dir.resolve("run").toString();
    Path cluster = dir.resolve("cluster.txt");
    Files.writeString(cluster, "127.0.0.1:1\n127.0.0.1:2\n");
    assertFails(2, "--workers=0 is invalid; expected >= 1.", "train", "--workers", "0",
        "--out", o);
    assertFails(2, "--task=1 needs --cluster FILE.", "train", "--task", "1", "--out", o);
    assertFails(2, "--cluster needs --task I", "train", "--cluster", cluster.toString(),
        "--out", o);
    assertFails(2, "--task=2 is out of range; cluster file '" + cluster + "' lists 2 workers"
        + " (tasks 0..1).", "train", "--cluster", cluster.toString(), "--task", "2", "--out", o);
    assertFails(2, "--workers and --cluster exclude each other", "train", "--workers", "2",
        "--cluster", cluster.toString(), "--task", "0", "--out", o);
    assertFails(2, "--collective-timeout=0.0 is invalid", "train", "--cluster",
        cluster.toString(), "--task", "0", "--collective-timeout", "0", "--out", o);
    Files.writeString(cluster, "127.0.0.1:1\nnot-an-address\n");
    assertFails(2, "cluster file '" + cluster + "' line 2: 'not-an-address' is not an address",
        "train", "--cluster", cluster.toString(), "--task", "0", "--out", o);
  }

  @Test
  void aPortInUseIsNamed() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path cluster = dir.resolve("cluster.txt");
      Files.writeString(cluster, "127.0.0.1:" + taken.getLocalPort() + "\n");
      CliTestSupport.Run r = CliTestSupport.inProcess("train", "--cluster", cluster.toString(),
          "--task", "0", "--epochs", "1", "--train-limit", "64", "--out",
          dir.resolve("run").toString());
      assertEquals(1, r.exit(), r.err());
      List<String> lines = CliTestSupport.dynconvLines(r.err());
      assertEquals(1, lines.size(), r.err());
      assertTrue(lines.get(0).contains("worker 0: cannot listen on port " + taken.getLocalPort()),
          lines.get(0));
    }
  }

  @Test
  void aPeerThatNeverComesIsNamedAfterTheTimeout() throws Exception {
    Path cluster = dir.resolve("cluster.txt");
    // Two free ports; task 1's is never opened.
    var c = org.dynconv.train.distributed.Cluster.loopback(2);
    c.write(cluster);
    long t0 = System.nanoTime();
    CliTestSupport.Run r = CliTestSupport.forked(dir, Map.of(), "train", "--cluster",
        cluster.toString(), "--task", "0", "--epochs", "1", "--train-limit", "64",
        "--batch-size", "16", "--threads", "1", "--collective-timeout", "3", "--out",
        dir.resolve("run").toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(1, r.exit(), r.err());
    List<String> lines = CliTestSupport.dynconvLines(r.err());
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains("a collective found no answer within 3.0 s: task 1 ("
        + c.addresses().get(1) + ") refuses connections"), lines.get(0));
    assertTrue(seconds < 120, "failed after " + seconds + " s");
  }
}

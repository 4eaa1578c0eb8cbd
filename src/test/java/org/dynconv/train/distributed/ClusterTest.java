package org.dynconv.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster files: parsing, round trip, and every malformed case named in the message. */
class ClusterTest {
  @TempDir
  Path dir;

  @Test
  void readsCommentsBlankLinesAndTaskOrder() throws IOException {
    Path f = dir.resolve("c.txt");
    Files.writeString(f, "# two hosts\n\nhost-a:2222\n  host-b:2223  \n");
    Cluster c = Cluster.read(f, 1);
    assertEquals(List.of("host-a:2222", "host-b:2223"), c.addresses());
    assertEquals("grpc://host-b:2223", c.target());
    assertEquals(2223, c.port());
    assertTrue(c.forTask(0).chief());
  }

  @Test
  void writesWhatItReads() throws IOException {
    Cluster c = Cluster.loopback(3);
    Path f = dir.resolve("c.txt");
    c.write(f);
    assertEquals(c.addresses(), Cluster.read(f, 2).addresses());
    assertEquals(3, c.addresses().stream().distinct().count(), "distinct ports");
  }

  @Test
  void rejectsMalformedFilesNamingFileAndLine() throws IOException {
    Path f = dir.resolve("bad.txt");
    Files.writeString(f, "127.0.0.1:2222\nlocalhost\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cluster.read(f, 0));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'localhost'"),
        e.getMessage());
    Files.writeString(f, "h:70000\n");
    assertThrows(IllegalArgumentException.class, () -> Cluster.read(f, 0));
    Files.writeString(f, "# nothing\n");
    e = assertThrows(IllegalArgumentException.class, () -> Cluster.read(f, 0));
    assertTrue(e.getMessage().contains("lists no worker"), e.getMessage());
    Files.writeString(f, "h:1\nh:1\n");
    e = assertThrows(IllegalArgumentException.class, () -> Cluster.read(f, 0));
    assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Cluster.read(dir.resolve("missing.txt"), 0));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void rejectsATaskOutOfRange() throws IOException {
    Path f = dir.resolve("c.txt");
    Files.writeString(f, "h:1\nh:2\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cluster.read(f, 2));
    assertTrue(e.getMessage().contains("--task=2") && e.getMessage().contains("0..1"),
        e.getMessage());
    assertNotEquals(null, Cluster.read(f, 1));
  }
}

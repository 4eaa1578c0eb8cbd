package org.dynconv.train.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A collective failure names each peer that cannot be reached and why: a host name that does not
 * resolve is reported as such, a closed port as refusing connections, an open one not at all.
 */
class PeersTest {
  @Test
  void eachUnreachablePeerIsNamedWithItsReason() throws Exception {
    try (ServerSocket open = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ServerSocket closing = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int closed = closing.getLocalPort();
      closing.close();
      Cluster c = new Cluster(List.of("127.0.0.1:1", "127.0.0.1:" + open.getLocalPort(),
          "127.0.0.1:" + closed, "no-such-host.invalid:2222"), 0);
      assertEquals(Map.of(2, "refuses connections", 3, "has a host name that does not resolve"),
          Peers.unreachable(c, 2000));
      String line = Peers.describe(c, 300, true);
      assertEquals("worker 0: a collective found no answer within 300.0 s: task 2 (127.0.0.1:"
          + closed + ") refuses connections, task 3 (no-such-host.invalid:2222) has a host name"
          + " that does not resolve; the supervisor stops every worker and restarts them from the last"
          + " checkpoint.", line);
    }
  }
}

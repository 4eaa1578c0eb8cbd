// Prints a fingerprint of the graph each of several zoo models builds, in TRAIN and INFER, with an
// unknown and a static batch: SHA-256 of the nodes sorted by name, each with its op, inputs and
// attributes sorted by key (GraphDef's own bytes are not deterministic). Two commits whose
// fingerprints agree build the same graphs, op for op, so benchmarks of those graphs cannot have
// moved by the code.
//
//   java -cp "target/classes:target/lib/*" src/tools/GraphFingerprint.java > fingerprints.txt
//
// (run it in a checkout of each commit after `mvn -q package -DskipTests`, then diff the outputs)

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.models.ModelZoo;
import org.tensorflow.Graph;
import org.tensorflow.proto.NodeDef;

public class GraphFingerprint {
  static final String[] MODELS = {"small-cnn-condconv", "small-cnn-dynamic", "small-cnn-dcd",
      "small-cnn-odconv", "mobilenetv2-0.5-condconv", "mobilenetv2-0.5-dynamic",
      "mobilenetv2-0.5-dcd", "mobilenetv2-0.5-odconv", "efficientnet-condconv-b0-8e"};

  public static void main(String[] args) throws Exception {
    for (String name : MODELS) {
      for (Mode mode : Mode.values()) {
        for (long batch : new long[] {-1, 8}) {
          try (Graph g = new Graph()) {
            ModelZoo.get(name).build(LayerScope.root(g, 1), mode, batch);
            List<NodeDef> nodes = new ArrayList<>(g.toGraphDef().getNodeList());
            nodes.sort(Comparator.comparing(NodeDef::getName));
            StringBuilder text = new StringBuilder();
            for (NodeDef n : nodes) {
              text.append(n.getName()).append('|').append(n.getOp()).append('|')
                  .append(n.getInputList()).append('|');
              new TreeMap<>(n.getAttrMap()).forEach((k, v) -> text.append(k).append('=')
                  .append(v.toString().replace('\n', ' ')).append(';'));
              text.append('\n');
            }
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes());
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 8; i++) {
              hex.append(String.format("%02x", d[i]));
            }
            System.out.println(name + " " + mode + " batch " + batch + " " + nodes.size()
                + " nodes " + hex);
          }
        }
      }
    }
  }
}

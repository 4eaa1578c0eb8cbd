// Prints a fingerprint of the graph each of several zoo models builds, in TRAIN and INFER, with an
// unknown and a static batch: SHA-256 of the nodes sorted by name, each with its op, inputs and
// attributes sorted by key (GraphDef's own bytes are not deterministic); then one of what the
// model reports in order (variables, updates, routing, attentions, BatchNorm folds, multiply-adds). Two commits whose
// fingerprints agree build the same graphs, op for op, so benchmarks of those graphs cannot have
// moved by the code.
//
//   java -cp "target/classes:target/lib/*" src/tools/GraphFingerprint.java [MODEL...] > fingerprints.txt
//
// (with no MODEL, the nine models below)
//
// (run it in a checkout of each commit after `mvn -q package -DskipTests`, then diff the outputs)

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelZoo;
import org.tensorflow.Graph;
import org.tensorflow.proto.NodeDef;

public class GraphFingerprint {
  static String sha(CharSequence text) throws Exception {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes());
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      hex.append(String.format("%02x", d[i]));
    }
    return hex.toString();
  }

  static final String[] MODELS = {"small-cnn-condconv", "small-cnn-dynamic", "small-cnn-dcd",
      "small-cnn-odconv", "mobilenetv2-0.5-condconv", "mobilenetv2-0.5-dynamic",
      "mobilenetv2-0.5-dcd", "mobilenetv2-0.5-odconv", "efficientnet-condconv-b0-8e"};

  public static void main(String[] args) throws Exception {
    for (String name : args.length > 0 ? args : MODELS) {
      for (Mode mode : Mode.values()) {
        // Batch 0 stands for the folded export's graph: INFER, unknown batch, BatchNorm folded.
        for (long batch : mode == Mode.INFER ? new long[] {-1, 8, 0} : new long[] {-1, 8}) {
          try (Graph g = new Graph()) {
            Model m = ModelZoo.get(name).build(LayerScope.root(g, 1), batch == 0
                ? new BuildOptions(Mode.INFER, -1, true) : new BuildOptions(mode, batch, false));
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
            // What the model reports besides the graph, in order: variables, updates, routing and
            // attention outputs, BatchNorm folds, multiply-adds.
            StringBuilder contract = new StringBuilder();
            m.variables().forEach(v -> contract.append(v.name()).append(v.shape()).append(';'));
            m.updates().forEach(u -> contract.append(u.op().name()).append(';'));
            m.routing().forEach((k, v) -> contract.append(k).append('=').append(v.op().name()));
            m.attentions().forEach((k, v) -> contract.append(k).append('=').append(v.op().name()));
            m.batchNormFolds().forEach(f -> contract.append(f).append(';'));
            contract.append(m.macsPerImage());
            System.out.println(name + " " + mode + " batch " + batch + " " + nodes.size()
                + " nodes " + sha(text) + " model " + sha(contract));
          }
        }
      }
    }
  }
}

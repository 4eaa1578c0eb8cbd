// Completes the FileDescriptorSet of TF-Serving's API (from src/tools/serving_descriptors.py) with
// the TensorFlow and protobuf files it imports, taken from TF Java's and protobuf-java's own
// classes, and writes src/main/proto/tensorflow_serving_apis.pb, which the build compiles with
// protoc. Java generated from that set refers to TF Java's classes (org.tensorflow.proto.*) for
// every TensorFlow message, so a TensorProto of the gRPC API is TF Java's TensorProto.
//
//   java -cp "target/classes:target/lib/*" src/tools/ServingProtos.java /tmp/serving-only.pb \
//       src/main/proto/tensorflow_serving_apis.pb

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

public class ServingProtos {
  /** The TF Java and protobuf-java classes whose files (and their imports) TF-Serving imports. */
  static final String[] ROOTS = {"org.tensorflow.proto.TensorProtos",
      "org.tensorflow.proto.MetaGraphProtos", "org.tensorflow.proto.ExampleProtos",
      "org.tensorflow.proto.error.dummy.ErrorCodes", "org.tensorflow.proto.ConfigProtos",
      "org.tensorflow.proto.NamedTensorProtos", "com.google.protobuf.AnyProto",
      "com.google.protobuf.WrappersProto"};

  public static void main(String[] args) throws Exception {
    FileDescriptorSet serving = FileDescriptorSet.parseFrom(Files.readAllBytes(Path.of(args[0])));
    Map<String, FileDescriptor> known = new LinkedHashMap<>();
    Deque<FileDescriptor> todo = new ArrayDeque<>();
    for (String c : ROOTS) {
      todo.add((FileDescriptor) Class.forName(c).getMethod("getDescriptor").invoke(null));
    }
    while (!todo.isEmpty()) {
      FileDescriptor f = todo.pop();
      if (known.putIfAbsent(f.getName(), f) == null) {
        todo.addAll(f.getDependencies());
      }
    }
    Map<String, FileDescriptorProto> out = new LinkedHashMap<>();
    Map<String, FileDescriptorProto> ours = new LinkedHashMap<>();
    serving.getFileList().forEach(f -> ours.put(f.getName(), f));
    Deque<String> needed = new ArrayDeque<>(ours.keySet());
    while (!needed.isEmpty()) {
      String name = needed.pop();
      if (out.containsKey(name)) {
        continue;
      }
      FileDescriptorProto p = ours.containsKey(name) ? ours.get(name)
          : known.containsKey(name) ? known.get(name).toProto() : null;
      if (p == null) {
        throw new IllegalStateException("ServingProtos: '" + name + "' is imported but neither in "
            + args[0] + " nor among TF Java's classes; add its class to ROOTS.");
      }
      out.put(name, p);
      needed.addAll(p.getDependencyList());
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    out.values().forEach(set::addFile);
    Files.write(Path.of(args[1]), set.build().toByteArray());
    System.out.println("wrote " + out.size() + " files (" + ours.size() + " TF-Serving) to "
        + args[1]);
  }
}

package org.dynconv.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "inspect", description = "Print a SavedModel's tags, signatures, input and output"
    + " names, dtypes and shapes (like saved_model_cli show --all).")
final class InspectCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "SavedModel directory.")
  Path model;

  @Override
  public Integer call() throws Exception {
    Path pb = model.resolve("saved_model.pb");
    if (!Files.isRegularFile(pb)) {
      throw new IllegalStateException("--model: '" + model + "' has no saved_model.pb; expected a"
          + " SavedModel directory (from 'export').");
    }
    SavedModel sm;
    try (InputStream in = Files.newInputStream(pb)) {
      sm = SavedModel.parseFrom(in);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("--model: '" + pb + "' is not a valid SavedModel protobuf ("
          + e.getMessage() + ").");
    }
    for (MetaGraphDef mg : sm.getMetaGraphsList()) {
      System.out.println("MetaGraphDef with tag-set: '" + String.join(", ", mg.getMetaInfoDef()
          .getTagsList()) + "' contains the following SignatureDefs:");
      for (Map.Entry<String, SignatureDef> e : new java.util.TreeMap<>(mg.getSignatureDefMap())
          .entrySet()) {
        SignatureDef sd = e.getValue();
        System.out.println();
        System.out.println("signature_def['" + e.getKey() + "']:");
        System.out.println("  The given SavedModel SignatureDef contains the following input(s):");
        sd.getInputsMap().forEach((k, v) -> print("inputs", k, v));
        System.out.println("  The given SavedModel SignatureDef contains the following output(s):");
        new java.util.TreeMap<>(sd.getOutputsMap()).forEach((k, v) -> print("outputs", k, v));
        System.out.println("  Method name is: " + sd.getMethodName());
      }
    }
    return 0;
  }

  private static void print(String kind, String key, TensorInfo t) {
    System.out.println("    " + kind + "['" + key + "'] tensor_info:");
    System.out.println("        dtype: " + t.getDtype());
    System.out.println("        shape: " + shape(t.getTensorShape()));
    System.out.println("        name: " + t.getName());
  }

  private static String shape(TensorShapeProto s) {
    if (s.getUnknownRank()) {
      return "unknown_rank";
    }
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < s.getDimCount(); i++) {
      sb.append(i == 0 ? "" : ", ").append(s.getDim(i).getSize());
    }
    return sb.append(s.getDimCount() == 1 ? ",)" : ")").toString();
  }
}

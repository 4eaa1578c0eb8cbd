package org.dynconv.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.dynconv.nn.BatchNormFold;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;

/**
 * Folds every BatchNorm of a model into the convolution before it, for inference: each expert
 * kernel (or static kernel) is scaled per output channel and the shift becomes a bias, so an
 * exported CondConv block costs mixing plus one convolution. Reads the weights checkpoint in Java
 * and writes the folded one (kernels under their own names, {@code <batchnorm>/bias} instead of
 * the four BatchNorm variables).
 */
public final class BatchNormFolder {
  private BatchNormFolder() {}

  public static void fold(ModelSpec spec, Path weights, Path out) throws IOException {
    Model plain;
    List<VariableRef> foldedVars;
    try (Graph g = new Graph(); Graph h = new Graph()) {
      plain = spec.build(LayerScope.root(g, 0), Mode.INFER);
      foldedVars = spec.build(LayerScope.root(h, 0), new BuildOptions(Mode.INFER, -1, true))
          .variables();
    }
    TensorBundle in = TensorBundle.open(weights);
    Map<String, float[]> values = new HashMap<>();
    for (BatchNormFold f : plain.batchNormFolds()) {
      String bn = f.batchNorm();
      double[] s = f.scales(in.readFloats(bn + "/gamma"), in.readFloats(bn + "/moving_variance"));
      for (String k : f.kernels()) {
        float[] kernel = in.readFloats(k);
        f.scale(kernel, s);
        values.put(k, kernel);
      }
      values.put(bn + "/bias", f.bias(s, in.readFloats(bn + "/beta"),
          in.readFloats(bn + "/moving_mean")));
    }
    List<String> names = new ArrayList<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<?>> tensors = new ArrayList<>();
      for (VariableRef v : foldedVars) {
        float[] data = values.containsKey(v.name()) ? values.get(v.name()) : in.readFloats(v.name());
        names.add(v.name());
        tensors.add(tf.constant(v.shape(), DataBuffers.of(data, true, false)));
      }
      var save = tf.train.save(tf.constant(out.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
          tensors);
      s.runner().addTarget(save).run();
    }
  }
}

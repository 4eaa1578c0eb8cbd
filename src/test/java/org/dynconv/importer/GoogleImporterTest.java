package org.dynconv.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.models.Model;
import org.dynconv.models.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;

/** The import plan reports every missing key, wrong shape and wrong dtype in one error. */
class GoogleImporterTest {
  @Test
  void allProblemsInOneError(@TempDir Path dir) throws IOException {
    List<VariableRef> vars;
    try (Graph g = new Graph()) {
      Model m = ModelZoo.get("small-cnn-static").build(LayerScope.root(g, 0), Mode.INFER);
      vars = m.variables();
    }
    Path prefix = dir.resolve("model.ckpt");
    String missing = vars.get(0).name(), wrongShape = vars.get(1).name(), wrongType = vars.get(2).name();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<String> names = new ArrayList<>();
      List<Operand<?>> values = new ArrayList<>();
      for (VariableRef v : vars) {
        if (v.name().equals(missing)) {
          continue;
        }
        names.add(v.name());
        if (v.name().equals(wrongShape)) {
          values.add(tf.zeros(tf.constant(Shape.of(v.shape().size() + 1)), org.tensorflow.types.TFloat32.class));
        } else if (v.name().equals(wrongType)) {
          values.add(tf.zeros(tf.constant(v.shape()), org.tensorflow.types.TInt64.class));
        } else {
          values.add(tf.zeros(tf.constant(v.shape()), org.tensorflow.types.TFloat32.class));
          // An EMA shadow for every variable, so the plan takes shadows.
          names.add(v.name() + "/ExponentialMovingAverage");
          values.add(tf.ones(tf.constant(v.shape()), org.tensorflow.types.TFloat32.class));
        }
      }
      s.runner().addTarget(tf.train.save(tf.constant(prefix.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
          values)).run();
    }
    TensorBundle ckpt = TensorBundle.open(prefix);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GoogleImporter.plan(ckpt, vars, true));
    assertEquals("GoogleImporter: 3 of " + vars.size() + " variables could not be loaded from"
        + " checkpoint '" + prefix + "': missing " + missing + " " + vars.get(0).shape() + "; "
        + wrongShape + " has shape [" + (vars.get(1).shape().size() + 1) + "], expected "
        + vars.get(1).shape() + " for " + wrongShape + "; " + wrongType + " has dtype DT_INT64,"
        + " expected DT_FLOAT for " + wrongType + ".", e.getMessage());
    // Without the three bad variables the plan takes every EMA shadow.
    GoogleImporter.Plan plan = GoogleImporter.plan(ckpt, vars.subList(3, vars.size()), true);
    assertEquals(vars.size() - 3, plan.fromEma());
    assertEquals(vars.get(5).name() + "/ExponentialMovingAverage", plan.keys().get(vars.get(5).name()));
    assertEquals(0, GoogleImporter.plan(ckpt, vars.subList(3, vars.size()), false).fromEma());
  }
}

package org.dynconv.testing;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** A graph, its root scope and (once built) a session, closed together. */
public final class TfRun implements AutoCloseable {
  public final Graph graph = new Graph();
  public final LayerScope root;
  public final Ops tf;
  private Session session;

  public TfRun(long seed) {
    root = LayerScope.root(graph, seed);
    tf = root.ops();
  }

  /** A value fed into a placeholder. */
  public record Feed(Operand<TFloat32> target, Shape shape, float[] values) {}

  public Operand<TFloat32> placeholder(String name, Shape shape) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(shape));
  }

  public Session session() {
    if (session == null) {
      session = new Session(graph);
    }
    return session;
  }

  /** Runs the fetches with the feeds, returning each fetch as a flat array. */
  public List<float[]> run(List<? extends Operand<TFloat32>> fetches, Feed... feeds) {
    List<Tensor> inputs = new ArrayList<>();
    try {
      Session.Runner runner = session().runner();
      for (Feed f : feeds) {
        TFloat32 t = Tensors.of(f.shape(), f.values());
        inputs.add(t);
        runner.feed(f.target(), t);
      }
      fetches.forEach(runner::fetch);
      try (Result r = runner.run()) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < fetches.size(); i++) {
          out.add(Tensors.toArray((TFloat32) r.get(i)));
        }
        return out;
      }
    } finally {
      inputs.forEach(Tensor::close);
    }
  }

  public float[] run(Operand<TFloat32> fetch, Feed... feeds) {
    return run(List.of(fetch), feeds).get(0);
  }

  /** Sets a variable to {@code values} (builds an assign op; tests only). */
  public void assign(VariableRef v, float[] values) {
    Operand<TFloat32> value = tf.constant(v.shape(), org.tensorflow.ndarray.buffer.DataBuffers.of(values, true, false));
    Operand<TFloat32> assigned = tf.withControlDependencies(List.of(tf.assign(v.variable(), value)))
        .identity(value);
    run(assigned);
  }

  /** Sets several variables in one session call (building many assign runs is slow). */
  public void assignAll(java.util.Map<VariableRef, float[]> values) {
    List<org.tensorflow.op.Op> assigns = new ArrayList<>();
    values.forEach((v, a) -> assigns.add(tf.assign(v.variable(), tf.constant(v.shape(),
        org.tensorflow.ndarray.buffer.DataBuffers.of(a, true, false)))));
    Session.Runner runner = session().runner();
    assigns.forEach(runner::addTarget);
    runner.run().close();
  }

  /** The current value of a variable. */
  public double[] value(VariableRef v) {
    return AllClose.toDouble(run(v.read()));
  }

  @Override
  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}

package org.dynconv.graph;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * What the TensorFlow runtime in this process can do, probed once. On CPU, the gradient of a
 * grouped Conv2D exists only in float32 with oneDNN on (the default on x86 Linux); with {@code
 * TF_ENABLE_ONEDNN_OPTS=0} it fails with "Gradients for grouped convolutions are not supported on
 * CPU". AUTO consults this so it never picks a path that cannot train.
 */
public final class RuntimeSupport {
  private RuntimeSupport() {}

  /** True when a grouped Conv2D (two groups) can be differentiated in this process. */
  public static boolean groupedConvGradients() {
    return Probe.GROUPED_GRADIENTS;
  }

  /**
   * True when oneDNN's kernels run in this process. Float32 grouped-conv gradients exist on CPU
   * exactly when oneDNN is on, so the same probe tells (TensorFlow's default depends on the CPU:
   * off on this project's AVX2-only VM, on with AVX-512).
   */
  public static boolean oneDnn() {
    return Probe.GROUPED_GRADIENTS;
  }

  /** One line for logs and the {@code version} command. */
  public static String describe() {
    return "grouped-conv gradients " + (groupedConvGradients() ? "available" : "unavailable")
        + " (TF_ENABLE_ONEDNN_OPTS=" + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "unset")
        + ")";
  }

  private static final class Probe {
    static final boolean GROUPED_GRADIENTS = probeGroupedGradients();

    private static boolean probeGroupedGradients() {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> x = tf.fill(tf.constant(Shape.of(1, 4, 4, 4)), tf.constant(0.5f));
        Operand<TFloat32> w = tf.fill(tf.constant(Shape.of(3, 3, 2, 2)), tf.constant(0.25f));
        Operand<TFloat32> y = tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME");
        Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, y), tf.constant(new int[] {0, 1, 2, 3}));
        Gradients grads = tf.gradients(loss, List.of(x, w));
        try (Session s = new Session(g);
            Result r = s.runner().fetch(grads.dy(0)).fetch(grads.dy(1)).run()) {
          return r.size() == 2;
        }
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}

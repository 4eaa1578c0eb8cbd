package org.dynconv.conv.kernels;

import java.util.List;
import org.dynconv.nn.BatchMatMul;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.RawCustomGradient;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of the kernel library's ops, registered with TF Java so that {@code
 * Graph.addGradients} (and so every dynconv optimizer) differentiates through them. TF Java keeps
 * ten custom-gradient slots for the whole process; each op here takes one.
 */
final class Gradients {
  private Gradients() {}

  static void register() {
    register("DynconvProbeSquare", (tf, op, upstream) -> {
      // y = x^2, so dL/dx = 2 x dL/dy.
      Operand<TFloat32> x = floats(op.input(0));
      Operand<TFloat32> dy = floats(upstream.get(0));
      return List.of(tf.math.mul(tf.math.mul(tf.constant(2f), x), dy));
    });
    register("DynconvPerExampleConv2D", (tf, op, upstream) -> {
      org.tensorflow.Operation grad = KernelOps.perExampleConv2dGrad(tf, op, upstream.get(0));
      return List.of(grad.output(0), grad.output(1));
    });
    register("DynconvMixedConv2D", (tf, op, upstream) -> {
      // dx, d routing and d bank from one op, which chains the kernels' gradient through the
      // mixing inside its loops: no per-example kernel, nor its gradient, reaches memory.
      org.tensorflow.Operation grad = KernelOps.mixedConv2dGrad(tf, op, upstream.get(0));
      return List.of(grad.output(0), grad.output(1), grad.output(2));
    });
    register("DynconvBatchMatMulRoute", (tf, op, upstream) -> {
      Operand<TFloat32> dy = floats(upstream.get(0));
      Operand<TFloat32> x = floats(op.input(1));
      Operand<TFloat32> k = floats(op.input(2));
      // The product's own input gets dy as well (TF Java takes no "no gradient"); it was computed
      // from stopped inputs, so that path ends there and is never run.
      return List.of(dy, BatchMatMul.of(tf, dy, k, false, true), BatchMatMul.of(tf, x, dy, true,
          false));
    });
    register("DynconvMeanRoute", (tf, op, upstream) -> {
      Operand<TFloat32> dx = floats(upstream.get(0));
      Operand<TFloat32> dPooled = floats(upstream.get(1));
      // H W from the attribute: reading x's shape here would wait for ever on the graph's lock,
      // which TF Java holds while it builds gradients.
      long pixels = op.attributes().getAttrInt("pixels");
      // The mean's gradient, dpooled / (H W) at every pixel, added to x's own in one broadcast
      // addition; pooled's own input gets dPooled, which ends at the stopped mean.
      Operand<TFloat32> perPixel = tf.expandDims(tf.expandDims(tf.math.div(dPooled,
          tf.constant((float) pixels)), tf.constant(1)), tf.constant(1));
      return List.of(tf.math.add(dx, perPixel), dPooled);
    });
  }

  private static void register(String opType, RawCustomGradient gradient) {
    if (!TensorFlow.registerCustomGradient(opType, gradient)) {
      throw new IllegalStateException("KernelLibrary: TensorFlow refused the gradient of " + opType
          + " (are all ten custom-gradient slots of TF Java taken?)");
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> floats(Operand<?> o) {
    return (Operand<TFloat32>) o;
  }
}

package org.dynconv.graph;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Bulk copies between flat Java arrays and tensors. Per-element setters and {@code StdArrays} are
 * 30 to 100 times slower for image batches (TF Java notes, section 5).
 */
public final class Tensors {
  private Tensors() {}

  /** A new float32 tensor of {@code shape} holding a copy of {@code values} (row-major). */
  public static TFloat32 of(Shape shape, float[] values) {
    if (shape.size() != values.length) {
      throw new IllegalArgumentException(
          "Tensors: shape " + shape + " holds " + shape.size() + " values but " + values.length
              + " were given.");
    }
    return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  /** All values of a float32 tensor, row-major. */
  public static float[] toArray(TFloat32 tensor) {
    long n = tensor.shape().size();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Tensors: tensor of shape " + tensor.shape()
          + " is too large for a Java array.");
    }
    float[] out = new float[(int) n];
    tensor.copyTo(DataBuffers.of(out, false, false));
    return out;
  }
}

package org.dynconv.layers;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** A skip connection around a body: {@code y = x + body(x)}, the body keeping x's shape. */
public final class Residual implements Layer {
  private final Layer body;

  private Residual(Layer body) {
    this.body = Layers.required("Residual", "body", body);
  }

  public static Residual of(Layer body) {
    return new Residual(body);
  }

  /** {@code x + l_n(...l_1(x))}. */
  public static Residual of(Layer... body) {
    return new Residual(Sequential.of(body));
  }

  @Override
  public Operand<TFloat32> call(BuildContext ctx, Operand<TFloat32> x) {
    Operand<TFloat32> y = body.call(ctx, x);
    Shape in = x.shape(), out = y.shape();
    boolean same = in.numDimensions() == out.numDimensions();
    for (int i = 1; same && i < in.numDimensions(); i++) {
      same = in.size(i) == out.size(i);
    }
    if (!same) {
      throw new IllegalArgumentException("Residual in '" + ctx.scope().path() + "': the body maps "
          + in + " to " + out + "; expected the input's shape (keep stride 1 and the channels, or"
          + " add no skip connection).");
    }
    return ctx.ops().math.add(x, y);
  }
}

package org.dynconv.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Layers applied in order: {@code y = l_n(...l_2(l_1(x)))}. Unnamed, its layers are created in
 * the caller's scope; named, under {@code <scope>/<name>}.
 */
public final class Sequential implements Layer {
  private final String name;
  private final List<Layer> layers;

  private Sequential(String name, List<Layer> layers) {
    if (layers.isEmpty() || layers.contains(null)) {
      throw new IllegalArgumentException("Sequential" + (name == null ? "" : " '" + name + "'")
          + ": layers must be one or more non-null layers; received " + layers + ".");
    }
    this.name = name;
    this.layers = List.copyOf(layers);
  }

  /** The layers in the caller's scope. */
  public static Sequential of(Layer... layers) {
    return new Sequential(null, java.util.Arrays.asList(layers));
  }

  /** The layers under {@code <scope>/<name>}. */
  public static Sequential named(String name, Layer... layers) {
    Layers.required("Sequential", "name", name);
    return new Sequential(name, java.util.Arrays.asList(layers));
  }

  /** The layers, in order. */
  public List<Layer> layers() {
    return layers;
  }

  @Override
  public Operand<TFloat32> call(BuildContext ctx, Operand<TFloat32> x) {
    BuildContext inner = name == null ? ctx : ctx.child(name);
    for (Layer layer : layers) {
      x = layer.call(inner, x);
    }
    return x;
  }
}

package org.dynconv.layers;

import java.util.Map;
import java.util.WeakHashMap;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The base of every layer with variables, and of your own (Keras' {@code build} and {@code call}):
 * its name, and its built state per {@link BuildContext}. The first call in a context runs {@link
 * #build}, which creates the variables under {@code <scope>/<name>} (the name given, or Keras'
 * automatic {@code base}, {@code base_1}, ...) and reports them with {@link BuildContext#track};
 * every call then runs {@link #apply}, which reports updates ({@link BuildContext#forward}),
 * routing and multiply-adds. A second call in the same context reuses the variables.
 *
 * @param <S> what a build holds (the layer's variables and sub-layers)
 */
public abstract class BuiltOnce<S> implements Layer {
  private final String component;
  private final String name;
  private final String baseName;
  private final Map<Object, S> built = new WeakHashMap<>();

  /**
   * @param component for messages ({@code CondConv2d})
   * @param name the scope name, or null for an automatic one from {@code baseName}
   */
  protected BuiltOnce(String component, String name, String baseName) {
    this.component = component;
    this.name = name;
    this.baseName = baseName;
  }

  /** Creates the variables under {@code scope} for input {@code x} and reports them to {@code ctx}. */
  protected abstract S build(BuildContext ctx, LayerScope scope, Operand<TFloat32> x);

  /** Applies a build to {@code x}, reporting updates, routing and multiply-adds to {@code ctx}. */
  protected abstract Operand<TFloat32> apply(BuildContext ctx, S state, Operand<TFloat32> x);

  @Override
  public final Operand<TFloat32> call(BuildContext ctx, Operand<TFloat32> x) {
    if (ctx == null || x == null) {
      throw new IllegalArgumentException(component + ": call needs a context and an input; received "
          + ctx + " and " + x + ".");
    }
    S state = built.get(ctx.buildKey());
    if (state == null) {
      LayerScope scope = name != null ? ctx.scope().child(name) : ctx.scope().uniqueChild(baseName);
      state = build(ctx, scope, x);
      built.put(ctx.buildKey(), state);
    }
    return apply(ctx, state, x);
  }

  /** The layer's type, for messages ({@code CondConv2d}). */
  protected String component() {
    return component;
  }

  /** The static input channels of an NHWC input, with an error naming this layer otherwise. */
  protected int channels(LayerScope scope, Operand<TFloat32> x) {
    return (int) Shapes.requireNhwc(component, scope, x)[3];
  }
}

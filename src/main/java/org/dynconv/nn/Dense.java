package org.dynconv.nn;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializer;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Fully connected layer with variables {@code kernel [in, units]} and {@code bias [units]} (zeros),
 * named like tf.layers.Dense. Input {@code [B, in]}, output {@code [B, units]}.
 */
public final class Dense {
  private final LayerScope scope;
  private final DenseConfig config;
  private final int inFeatures;
  private final VariableRef kernel;
  private final VariableRef bias;

  private Dense(LayerScope scope, DenseConfig config, int inFeatures) {
    this.scope = scope;
    this.config = config;
    this.inFeatures = inFeatures;
    Initializer init = switch (config.init()) {
      case GLOROT_UNIFORM -> Initializers.glorotUniform(inFeatures, config.units());
      case GOOGLE_DENSE -> Initializers.denseKernel(config.units());
      case NORMAL_0_01 -> Initializers.normal(0.01);
      case HE_FAN_OUT -> Initializers.normal(Math.sqrt(2.0 / config.units()));
    };
    this.kernel =
        Variables.create(scope, "kernel", Shape.of(inFeatures, config.units()), init,
            VariableRef.Kind.TRAINABLE);
    this.bias =
        config.useBias()
            ? Variables.create(scope, "bias", Shape.of(config.units()), Initializers.zeros(),
                VariableRef.Kind.TRAINABLE)
            : null;
  }

  /** Creates the variables under {@code scope}. */
  public static Dense create(LayerScope scope, DenseConfig config, int inFeatures) {
    org.dynconv.config.Check.positive("Dense", "inFeatures", inFeatures);
    return new Dense(scope, config, inFeatures);
  }

  /** {@code [B, in] -> [B, units]}. */
  public Operand<TFloat32> apply(Operand<TFloat32> x) {
    Shapes.requireMatrix("Dense", scope, x, inFeatures);
    Ops tf = scope.ops();
    Operand<TFloat32> y = tf.linalg.matMul(x, kernel.read());
    if (bias != null) {
      y = tf.nn.biasAdd(y, bias.read());
    }
    return Activations.apply(tf, y, config.activation());
  }

  public VariableRef kernel() {
    return kernel;
  }

  /** The bias variable, or null without a bias. */
  public VariableRef bias() {
    return bias;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>();
    vs.add(kernel);
    if (bias != null) {
      vs.add(bias);
    }
    return List.copyOf(vs);
  }

  public DenseConfig config() {
    return config;
  }

  public LayerScope scope() {
    return scope;
  }
}

package org.dynconv.nn;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Static convolution with variables {@code kernel [kh,kw,Cin,filters]} (Google's
 * conv_kernel_initializer) and optional {@code bias [filters]}, named like tf.layers.Conv2D.
 * Input {@code [B,H,W,Cin]}, output {@code [B,H',W',filters]}.
 */
public final class Conv2d {
  private final LayerScope scope;
  private final Conv2dConfig config;
  private final int inChannels;
  private final VariableRef kernel;
  private final VariableRef bias;

  private Conv2d(LayerScope scope, Conv2dConfig config, int inChannels) {
    this.scope = scope;
    this.config = config;
    this.inChannels = inChannels;
    var g = config.geometry();
    this.kernel =
        Variables.create(scope, "kernel",
            Shape.of(g.kernelH(), g.kernelW(), inChannels, config.filters()),
            Initializers.convKernel(g.kernelH(), g.kernelW(), config.filters()),
            VariableRef.Kind.TRAINABLE);
    this.bias =
        config.useBias()
            ? Variables.create(scope, "bias", Shape.of(config.filters()), Initializers.zeros(),
                VariableRef.Kind.TRAINABLE)
            : null;
  }

  public static Conv2d create(LayerScope scope, Conv2dConfig config, int inChannels) {
    Check.positive("Conv2d", "inChannels", inChannels);
    return new Conv2d(scope, config, inChannels);
  }

  public Operand<TFloat32> apply(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc("Conv2d", scope, x);
    Shapes.requireChannels("Conv2d", scope, nhwc, inChannels);
    Ops tf = scope.ops();
    Operand<TFloat32> y = ConvOps.conv2d(tf, x, kernel.read(), config.geometry());
    if (bias != null) {
      y = tf.nn.biasAdd(y, bias.read());
    }
    return Activations.apply(tf, y, config.activation());
  }

  public VariableRef kernel() {
    return kernel;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(List.of(kernel));
    if (bias != null) {
      vs.add(bias);
    }
    return List.copyOf(vs);
  }

  public Conv2dConfig config() {
    return config;
  }
}

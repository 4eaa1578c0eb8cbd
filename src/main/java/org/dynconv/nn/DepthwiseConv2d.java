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
 * Static depthwise convolution with variables {@code depthwise_kernel [kh,kw,C,M]} and optional
 * {@code bias [C*M]}, named like Keras' DepthwiseConv2D. Input {@code [B,H,W,C]}, output {@code
 * [B,H',W',C*M]}.
 */
public final class DepthwiseConv2d {
  private final LayerScope scope;
  private final DepthwiseConv2dConfig config;
  private final int channels;
  private final VariableRef kernel;
  private final VariableRef bias;

  private DepthwiseConv2d(LayerScope scope, DepthwiseConv2dConfig config, int channels) {
    this.scope = scope;
    this.config = config;
    this.channels = channels;
    var g = config.geometry();
    int m = config.multiplier();
    this.kernel =
        Variables.create(scope, "depthwise_kernel", Shape.of(g.kernelH(), g.kernelW(), channels, m),
            Initializers.convKernel(g.kernelH(), g.kernelW(), m), VariableRef.Kind.TRAINABLE);
    this.bias =
        config.useBias()
            ? Variables.create(scope, "bias", Shape.of((long) channels * m), Initializers.zeros(),
                VariableRef.Kind.TRAINABLE)
            : null;
  }

  public static DepthwiseConv2d create(LayerScope scope, DepthwiseConv2dConfig config, int channels) {
    Check.positive("DepthwiseConv2d", "channels", channels);
    return new DepthwiseConv2d(scope, config, channels);
  }

  public Operand<TFloat32> apply(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc("DepthwiseConv2d", scope, x);
    Shapes.requireChannels("DepthwiseConv2d", scope, nhwc, channels);
    Ops tf = scope.ops();
    Operand<TFloat32> y = ConvOps.depthwise(tf, x, kernel.read(), config.geometry());
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

  public DepthwiseConv2dConfig config() {
    return config;
  }
}

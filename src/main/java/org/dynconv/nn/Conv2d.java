package org.dynconv.nn;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
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
 * Static convolution, named like Keras' layers. Regular: {@code kernel [kh,kw,Cin,filters]}
 * (Google's conv_kernel_initializer) and optional {@code bias [filters]}, as tf.layers.Conv2D;
 * input {@code [B,H,W,Cin]}, output {@code [B,H',W',filters]}. Depthwise: {@code
 * depthwise_kernel [kh,kw,C,M]} and optional {@code bias [C*M]}, as DepthwiseConv2D; output
 * {@code [B,H',W',C*M]}.
 */
public final class Conv2d {
  private final LayerScope scope;
  private final Conv2dConfig config;
  private final String layer;
  private final int inChannels;
  private final VariableRef kernel;
  private final VariableRef bias;

  private Conv2d(LayerScope scope, Conv2dConfig config, int inChannels) {
    this.scope = scope;
    this.config = config;
    this.layer = config.kind().layerName("Conv2d");
    this.inChannels = inChannels;
    ConvGeometry g = config.geometry();
    boolean depthwise = config.kind() == ConvKind.DEPTHWISE;
    int out = config.outputs();
    this.kernel = Variables.create(scope, depthwise ? "depthwise_kernel" : "kernel",
        Shape.of(g.kernelH(), g.kernelW(), inChannels, out),
        Initializers.convKernel(g.kernelH(), g.kernelW(), out), VariableRef.Kind.TRAINABLE);
    this.bias = config.useBias()
        ? Variables.create(scope, "bias", Shape.of(config.kind().outChannels(inChannels, out)),
            Initializers.zeros(), VariableRef.Kind.TRAINABLE)
        : null;
  }

  public static Conv2d create(LayerScope scope, Conv2dConfig config, int inChannels) {
    Check.notNull("Conv2d", "config", config);
    Check.positive(config.kind().layerName("Conv2d"), "inChannels", inChannels);
    return new Conv2d(scope, config, inChannels);
  }

  public Operand<TFloat32> apply(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc(layer, scope, x);
    Shapes.requireChannels(layer, scope, nhwc, inChannels);
    Ops tf = scope.ops();
    Operand<TFloat32> y = config.kind() == ConvKind.DEPTHWISE
        ? ConvOps.depthwise(tf, x, kernel.read(), config.geometry())
        : ConvOps.conv2d(tf, x, kernel.read(), config.geometry());
    if (bias != null) {
      y = tf.nn.biasAdd(y, bias.read());
    }
    return Activations.apply(tf, y, config.activation());
  }

  /** Multiply-adds per example for an {@code h x w} input: {@code H'*W'*kh*kw*Cin*outputs}. */
  public long macs(int h, int w) {
    ConvGeometry g = config.geometry();
    return (long) g.outputHeight(h) * g.outputWidth(w) * g.kernelH() * g.kernelW() * inChannels
        * config.outputs();
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

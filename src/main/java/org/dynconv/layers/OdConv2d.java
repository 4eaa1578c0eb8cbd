package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.init.Initializers;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.routing.OdAttention;
import org.dynconv.routing.Temperature;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Omni-dimensional dynamic convolution (ODConv, Li, Zhou, Yao, ICLR 2022), as the official code
 * computes it: {@code y[b] = filter[b] * conv(x[b] * channel[b]; spatial[b] * sum_i kernel[b,i]
 * W_i)}, with the four attentions of {@link OdAttention} (input channels, output channels, kernel
 * taps, kernels), all at temperature T. Regular or depthwise by {@link OdConv2dConfig#kind()}; a
 * depthwise layer with M = 1 has no filter attention (the official code skips it when C == groups
 * == O).
 *
 * <p>What runs per example: the channel and filter attentions scale features (batched); with n
 * = 1 a 1x1 layer is one shared convolution and a k x k layer reweights taps without a
 * per-example kernel ({@link org.dynconv.conv.Strategy#TAPS}) or, where measured faster, through a
 * per-example strategy; with n > 1 a kernel is mixed per example and run through the per-example
 * strategies (AUTO by default), as CondConv's.
 *
 * <p>Shapes: {@code x [B,H,W,Cin]}, output {@code [B,H',W',filters]} (depthwise {@code
 * [B,H',W',C*M]}, channel {@code c*M + m}). Variables: regular {@code odconv_kernel [n,
 * kh*kw*Cin*filters]}, depthwise {@code depthwise_odconv_kernel [n, kh*kw*C*M]} (rows are HWIO
 * kernels flattened row-major, the CondConv layout; each drawn from Normal(0, sqrt(2 /
 * (kh*kw*outputs))), the official kaiming fan_out for regular layers) and the attention's under
 * {@code attention/}. No bias and no activation, as the official layer: a BatchNorm and
 * activation follow it in a block.
 *
 * <p>Depthwise init: the official code draws depthwise kernels from PyTorch's kaiming fan_out,
 * which counts every output channel of the grouped kernel: std sqrt(2 / (kh*kw*C)), 12 times
 * smaller for 144 channels. A BatchNorm after the layer undoes the scale in the forward pass, but
 * under SGD a weight k times smaller takes steps k^2 times larger relative to its size; in the
 * MobileNetV2 family next to a static model with Google's depthwise init, that init kept ODConv
 * from training (26% against 80% for the static model after three short epochs), so this layer
 * uses the init of the static layer it replaces.
 */
public final class OdConv2d implements ConditionalLayers.OdParts {
  private final LayerScope scope;
  private final OdConv2dConfig config;
  private final ExpertBank bank;
  private final OdAttention attention;
  private final OdCore core;

  private OdConv2d(LayerScope scope, OdConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    ConvKind kind = config.kind();
    int out = config.outputs();
    int outChannels = kind.outChannels(inChannels, out);
    this.bank = ExpertBank.create(scope,
        kind == ConvKind.DEPTHWISE ? "depthwise_odconv_kernel" : "odconv_kernel", null,
        config.numKernels(), new long[] {g.kernelH(), g.kernelW(), inChannels, out},
        Initializers.convKernel(g.kernelH(), g.kernelW(), out), outChannels);
    // A filter attention of width 0 is none: depthwise with M = 1 has one output per channel.
    int filterAttention = kind == ConvKind.DEPTHWISE && out == 1 ? 0 : outChannels;
    this.attention = OdAttention.create(scope.child("attention"), config.attention(), inChannels,
        filterAttention, g.kernelH() * g.kernelW(), config.numKernels(),
        temperature != null ? temperature : Temperature.input(scope, config.temperature()));
    this.core = new OdCore(kind.layerName("OdConv2d"), scope, kind, g, inChannels, out, config.numKernels(), bank,
        attention, config.strategy());
  }

  /** A layer with its own temperature input {@code <scope>/temperature}. */
  public static OdConv2d create(LayerScope scope, OdConv2dConfig config, int inChannels) {
    return create(scope, config, inChannels, null);
  }

  /**
   * A layer reading {@code temperature} (a scalar shared with other layers so that they anneal
   * together); null creates the layer's own input.
   */
  public static OdConv2d create(LayerScope scope, OdConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    Check.notNull("OdConv2d", "config", config);
    Check.positive(config.kind().layerName("OdConv2d"), "inChannels", inChannels);
    return new OdConv2d(scope, config, inChannels, temperature);
  }

  /**
   * @param x {@code [B,H,W,Cin]}, H, W, Cin static, B may be unknown
   * @return {@code [B,H',W',output channels]}, the attention BatchNorm's updates (TRAIN) and the
   *     attentions
   */
  public OdOutput apply(Operand<TFloat32> x, Mode mode) {
    return core.forward(x, mode);
  }

  /** TAPS, a per-example strategy, or null when the layer is a plain convolution (1x1, n = 1). */
  public Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    return core.strategyFor(x, mode);
  }

  /** Multiply-adds per example for an {@code h x w} input, attention included. */
  public long macs(int h, int w) {
    return core.macs(h, w);
  }

  /** The kernels {@code [n, P]}. */
  public ExpertBank kernels() {
    return bank;
  }

  public OdAttention attention() {
    return attention;
  }

  /** The kernel variable, then the attention's. */
  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(bank.variables());
    vs.addAll(attention.variables());
    return List.copyOf(vs);
  }

  public OdConv2dConfig config() {
    return config;
  }

  public LayerScope scope() {
    return scope;
  }
}

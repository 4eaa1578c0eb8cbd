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
 * ODConv's depthwise form: each channel c is convolved with its own kernels, {@code y[b] =
 * filter[b] * depthwise(x[b] * channel[b]; spatial[b] * sum_i kernel[b,i] W_i)}, {@code W_i
 * [kh,kw,C,M]}; the official MobileNetV2 uses it (M = 1) for every depthwise convolution. With M
 * = 1 there is no filter attention (the official code skips it when C == groups == O).
 *
 * <p>Shapes: {@code x [B,H,W,C]}, output {@code [B,H',W',C*M]}, channel {@code c*M + m}.
 * Variables: {@code depthwise_odconv_kernel [n, kh*kw*C*M]}, each row drawn from Normal(0,
 * sqrt(2 / (kh*kw*M))) as dynconv's other depthwise layers, and the attention's under {@code
 * attention/}. No bias, no activation.
 *
 * <p>The official code draws depthwise kernels from PyTorch's kaiming fan_out, which counts every
 * output channel of the grouped kernel: std sqrt(2 / (kh*kw*C)), 12 times smaller for 144
 * channels. A BatchNorm after the layer undoes the scale in the forward pass, but under SGD a
 * weight k times smaller takes steps k^2 times larger relative to its size; in the MobileNetV2
 * family next to a static model with Google's depthwise init, that init kept ODConv from
 * training (26% against 80% for the static model after three short epochs), so this layer uses
 * the init of the static layer it replaces.
 */
public final class DepthwiseOdConv2d implements ConditionalLayers.OdParts {
  private static final String LAYER = "DepthwiseOdConv2d";
  private final LayerScope scope;
  private final DepthwiseOdConv2dConfig config;
  private final ExpertBank bank;
  private final OdAttention attention;
  private final OdCore core;

  private DepthwiseOdConv2d(LayerScope scope, DepthwiseOdConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    int m = config.multiplier();
    this.bank = ExpertBank.create(scope, "depthwise_odconv_kernel", null, config.numKernels(),
        new long[] {g.kernelH(), g.kernelW(), inChannels, m},
        Initializers.convKernel(g.kernelH(), g.kernelW(), m), inChannels * m);
    this.attention = OdAttention.create(scope.child("attention"), config.attention(), inChannels,
        m == 1 ? 0 : inChannels * m, g.kernelH() * g.kernelW(), config.numKernels(),
        temperature != null ? temperature : Temperature.input(scope, config.temperature()));
    this.core = new OdCore(LAYER, scope, ConvKind.DEPTHWISE, g, inChannels, m,
        config.numKernels(), bank, attention, config.strategy());
  }

  /** A layer with its own temperature input {@code <scope>/temperature}. */
  public static DepthwiseOdConv2d create(LayerScope scope, DepthwiseOdConv2dConfig config,
      int inChannels) {
    return create(scope, config, inChannels, null);
  }

  /**
   * A layer reading {@code temperature} (a scalar shared with other layers so that they anneal
   * together); null creates the layer's own input.
   */
  public static DepthwiseOdConv2d create(LayerScope scope, DepthwiseOdConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    Check.notNull(LAYER, "config", config);
    Check.positive(LAYER, "inChannels", inChannels);
    return new DepthwiseOdConv2d(scope, config, inChannels, temperature);
  }

  /**
   * @param x {@code [B,H,W,C]}, H, W, C static, B may be unknown
   * @return {@code [B,H',W',C*M]}, the attention BatchNorm's updates (TRAIN) and the attentions
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

  public DepthwiseOdConv2dConfig config() {
    return config;
  }

  public LayerScope scope() {
    return scope;
  }
}

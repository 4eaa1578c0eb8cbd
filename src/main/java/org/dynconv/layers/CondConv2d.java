package org.dynconv.layers;

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
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * CondConv (Yang et al. 2019): {@code y[b] = act(conv(x[b], sum_e r[b,e] W_e) + sum_e r[b,e]
 * c_e)}. One convolution per example with its mixed kernel, which equals the routing-weighted
 * sum of E expert convolutions. Regular or depthwise by {@link CondConv2dConfig#kind()}.
 *
 * <p>Shapes: {@code x [B,H,W,Cin]}, routing {@code r [B,E]}, output {@code [B,H',W',filters]}
 * (depthwise: {@code [B,H',W',C*M]}, channel {@code c*M + m}). Variables, as Google's {@code
 * condconv_layers}: regular {@code condconv_kernel [E, kh*kw*Cin*filters]}, depthwise {@code
 * depthwise_condconv_kernel [E, kh*kw*C*M]}, row e = expert e's HWIO kernel flattened row-major,
 * drawn as Google's conv init Normal(0, sqrt(2 / (kh*kw*outputs))); {@code condconv_bias [E,
 * output channels]} (zeros) when {@code useBias}.
 */
public final class CondConv2d implements ConditionalConv {
  private final LayerScope scope;
  private final CondConv2dConfig config;
  private final ExpertBank bank;
  private final ConditionalCore core;

  private CondConv2d(LayerScope scope, CondConv2dConfig config, int inChannels) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    ConvKind kind = config.kind();
    int out = config.outputs();
    this.bank = ExpertBank.create(scope,
        kind == ConvKind.DEPTHWISE ? "depthwise_condconv_kernel" : "condconv_kernel",
        config.useBias() ? "condconv_bias" : null, config.numExperts(),
        new long[] {g.kernelH(), g.kernelW(), inChannels, out},
        Initializers.convKernel(g.kernelH(), g.kernelW(), out), kind.outChannels(inChannels, out));
    this.core = new ConditionalCore(kind.layerName("CondConv2d"), scope, kind, g, inChannels, out,
        bank, config.activation(), config.strategy());
  }

  /** Creates the variables under {@code scope}. */
  public static CondConv2d create(LayerScope scope, CondConv2dConfig config, int inChannels) {
    Check.notNull("CondConv2d", "config", config);
    Check.positive(config.kind().layerName("CondConv2d"), "inChannels", inChannels);
    return new CondConv2d(scope, config, inChannels);
  }

  /** The forward pass for a training graph. */
  public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> routing) {
    return apply(x, routing, Mode.TRAIN);
  }

  /**
   * @param x {@code [B,H,W,Cin]}, H, W, Cin static
   * @param routing {@code [B,E]}
   * @param mode INFER lets AUTO use paths without gradients
   */
  @Override
  public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode) {
    return core.forward(x, routing, mode);
  }

  @Override
  public Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    return core.strategyFor(x, mode);
  }

  @Override
  public long macs(int h, int w) {
    return core.macs(h, w);
  }

  @Override
  public ExpertBank experts() {
    return bank;
  }

  @Override
  public List<VariableRef> variables() {
    return bank.variables();
  }

  public CondConv2dConfig config() {
    return config;
  }

  @Override
  public LayerScope scope() {
    return scope;
  }
}

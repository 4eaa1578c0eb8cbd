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
 * Depthwise CondConv: each example's depthwise kernel is the routing-weighted sum of E expert
 * depthwise kernels.
 *
 * <p>Shapes: {@code x [B,H,W,C]}, routing {@code [B,E]}, output {@code [B,H',W',C*M]}, channel
 * {@code c*M + m}. Variables (Google's {@code DepthwiseCondConv2D}): {@code
 * depthwise_condconv_kernel [E, kh*kw*C*M]}, row e = expert e's (kh,kw,C,M) kernel flattened
 * row-major, drawn as Normal(0, sqrt(2 / (kh*kw*M))); {@code condconv_bias [E, C*M]} when {@code
 * useBias}.
 */
public final class DepthwiseCondConv2d implements ConditionalConv {
  private final LayerScope scope;
  private final DepthwiseCondConv2dConfig config;
  private final ExpertBank bank;
  private final ConditionalCore core;

  private DepthwiseCondConv2d(LayerScope scope, DepthwiseCondConv2dConfig config, int channels) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    int m = config.multiplier();
    this.bank = ExpertBank.create(scope, "depthwise_condconv_kernel",
        config.useBias() ? "condconv_bias" : null, config.numExperts(),
        new long[] {g.kernelH(), g.kernelW(), channels, m},
        Initializers.convKernel(g.kernelH(), g.kernelW(), m), channels * m);
    this.core = new ConditionalCore("DepthwiseCondConv2d", scope, ConvKind.DEPTHWISE, g, channels,
        m, bank, config.activation(), config.strategy());
  }

  public static DepthwiseCondConv2d create(
      LayerScope scope, DepthwiseCondConv2dConfig config, int channels) {
    Check.notNull("DepthwiseCondConv2d", "config", config);
    Check.positive("DepthwiseCondConv2d", "channels", channels);
    return new DepthwiseCondConv2d(scope, config, channels);
  }

  public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> routing) {
    return apply(x, routing, Mode.TRAIN);
  }

  /**
   * @param x {@code [B,H,W,C]}, H, W, C static
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

  public DepthwiseCondConv2dConfig config() {
    return config;
  }

  @Override
  public LayerScope scope() {
    return scope;
  }
}

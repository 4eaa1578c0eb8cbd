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
import org.dynconv.routing.SoftmaxRouting;
import org.dynconv.routing.Temperature;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * DynamicConv's depthwise form (the DY-MobileNet ports make every block convolution dynamic, the
 * depthwise one included): {@code y[b] = act(depthwise(x[b], sum_k pi[b,k] W_k) + sum_k pi[b,k]
 * c_k)}, {@code pi = softmax(z / T)} from the layer's own attention on its input ({@link
 * SoftmaxRouting}).
 *
 * <p>Shapes: {@code x [B,H,W,C]}, output {@code [B,H',W',C*M]}, channel {@code c*M + m}.
 * Variables: {@code dynamic_depthwise_kernel [K, kh*kw*C*M]} (rows are (kh,kw,C,M) kernels
 * flattened row-major, each drawn as Normal(0, sqrt(2 / (kh*kw*M)))), {@code dynamic_bias [K,
 * C*M]} when {@code useBias}, and the attention's {@code attention/fc1/*}, {@code attention/fc2/*}.
 */
public final class DepthwiseDynamicConv2d implements ConditionalConv {
  private final LayerScope scope;
  private final DepthwiseDynamicConv2dConfig config;
  private final ExpertBank bank;
  private final SoftmaxRouting routing;
  private final ConditionalCore core;

  private DepthwiseDynamicConv2d(LayerScope scope, DepthwiseDynamicConv2dConfig config,
      int channels, Operand<TFloat32> temperature) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    int m = config.multiplier();
    this.bank = ExpertBank.create(scope, "dynamic_depthwise_kernel",
        config.useBias() ? "dynamic_bias" : null, config.numKernels(),
        new long[] {g.kernelH(), g.kernelW(), channels, m},
        Initializers.convKernel(g.kernelH(), g.kernelW(), m), channels * m);
    this.routing = SoftmaxRouting.create(scope.child("attention"), config.routing(), channels,
        temperature != null ? temperature : Temperature.input(scope, config.temperature()));
    this.core = new ConditionalCore("DepthwiseDynamicConv2d", scope, ConvKind.DEPTHWISE, g,
        channels, m, bank, config.activation(), config.strategy());
  }

  /**
   * A layer with its own attention reading {@code temperature} (shared with other layers so they
   * anneal together); null creates the layer's own input.
   */
  public static DepthwiseDynamicConv2d create(LayerScope scope, DepthwiseDynamicConv2dConfig config,
      int channels, Operand<TFloat32> temperature) {
    Check.notNull("DepthwiseDynamicConv2d", "config", config);
    Check.positive("DepthwiseDynamicConv2d", "channels", channels);
    return new DepthwiseDynamicConv2d(scope, config, channels, temperature);
  }

  /** Forward with the layer's own attention computed from {@code x}. */
  public Operand<TFloat32> apply(Operand<TFloat32> x, Mode mode) {
    return apply(x, routing.route(x), mode);
  }

  @Override
  public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> attention, Mode mode) {
    return core.forward(x, attention, mode);
  }

  @Override
  public Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    return core.strategyFor(x, mode);
  }

  public SoftmaxRouting routing() {
    return routing;
  }

  /** Convolution plus kernel-mixing multiply-adds per example (attention not included). */
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
    List<VariableRef> vs = new ArrayList<>(bank.variables());
    vs.addAll(routing.variables());
    return List.copyOf(vs);
  }

  public DepthwiseDynamicConv2dConfig config() {
    return config;
  }

  @Override
  public LayerScope scope() {
    return scope;
  }
}

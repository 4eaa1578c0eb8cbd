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
import org.dynconv.routing.PooledInput;
import org.dynconv.routing.SoftmaxRouting;
import org.dynconv.routing.Temperature;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * DynamicConv (Chen et al. 2020): {@code y[b] = act(conv(x[b], sum_k pi[b,k] W_k) + sum_k pi[b,k]
 * c_k)} with attention {@code pi = softmax(z / T)} from a small MLP on the pooled input ({@link
 * SoftmaxRouting}); {@code pi} is positive and sums to 1. Regular or depthwise by {@link
 * DynamicConv2dConfig#kind()}.
 *
 * <p>Shapes: {@code x [B,H,W,Cin]}, output {@code [B,H',W',filters]} (depthwise: {@code
 * [B,H',W',C*M]}, channel {@code c*M + m}). Variables: regular {@code dynamic_kernel [K,
 * kh*kw*Cin*filters]}, depthwise {@code dynamic_depthwise_kernel [K, kh*kw*C*M]} (rows are HWIO
 * kernels flattened row-major, the CondConv layout, each drawn as Normal(0, sqrt(2 /
 * (kh*kw*outputs)))), {@code dynamic_bias [K, output channels]} when {@code useBias}, and the
 * attention's {@code attention/fc1/*}, {@code attention/fc2/*}.
 */
public final class DynamicConv2d implements ConditionalConv {
  private final LayerScope scope;
  private final DynamicConv2dConfig config;
  private final ExpertBank bank;
  private final SoftmaxRouting routing;
  private final ConditionalCore core;

  private DynamicConv2d(LayerScope scope, DynamicConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    this.scope = scope;
    this.config = config;
    ConvGeometry g = config.geometry();
    ConvKind kind = config.kind();
    int out = config.outputs();
    this.bank = ExpertBank.create(scope,
        kind == ConvKind.DEPTHWISE ? "dynamic_depthwise_kernel" : "dynamic_kernel",
        config.useBias() ? "dynamic_bias" : null, config.numKernels(),
        new long[] {g.kernelH(), g.kernelW(), inChannels, out},
        Initializers.convKernel(g.kernelH(), g.kernelW(), out), kind.outChannels(inChannels, out));
    this.routing = SoftmaxRouting.create(scope.child("attention"), config.routing(), inChannels,
        temperature != null ? temperature : Temperature.input(scope, config.temperature()));
    this.core = new ConditionalCore(kind.layerName("DynamicConv2d"), scope, kind, g, inChannels,
        out, bank, config.activation(), config.strategy());
  }

  /**
   * A layer with its own attention and its own temperature input {@code <scope>/temperature}
   * (default {@code config.temperature()}).
   */
  public static DynamicConv2d create(LayerScope scope, DynamicConv2dConfig config, int inChannels) {
    return create(scope, config, inChannels, null);
  }

  /**
   * A layer with its own attention that reads {@code temperature} (a scalar shared with other
   * layers so they anneal together); null creates the layer's own input.
   */
  public static DynamicConv2d create(LayerScope scope, DynamicConv2dConfig config, int inChannels,
      Operand<TFloat32> temperature) {
    Check.notNull("DynamicConv2d", "config", config);
    Check.positive(config.kind().layerName("DynamicConv2d"), "inChannels", inChannels);
    return new DynamicConv2d(scope, config, inChannels, temperature);
  }

  /** Forward with the layer's own attention computed from {@code x}. */
  public Operand<TFloat32> apply(Operand<TFloat32> x, Mode mode) {
    PooledInput in = routing.pool(x, mode);
    return apply(in.x(), routing.routePooled(in.pooled()), mode);
  }

  /**
   * Forward with given attention weights.
   *
   * @param x {@code [B,H,W,Cin]}
   * @param attention {@code [B,K]}
   */
  @Override
  public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> attention, Mode mode) {
    return core.forward(x, attention, mode);
  }

  @Override
  public Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    return core.strategyFor(x, mode);
  }

  /** The layer's attention. */
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

  /** Kernel and bias variables, then the attention's. */
  @Override
  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(bank.variables());
    vs.addAll(routing.variables());
    return List.copyOf(vs);
  }

  public DynamicConv2dConfig config() {
    return config;
  }

  @Override
  public LayerScope scope() {
    return scope;
  }
}

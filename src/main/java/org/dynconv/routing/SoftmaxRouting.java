package org.dynconv.routing;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DynamicConv attention: {@code pi = softmax((relu(mean_{H,W}(x) W1 + b1) W2 + b2) / T)}, {@code
 * W1 [C, hidden]}, {@code W2 [hidden, K]}, kernels drawn from Normal(0, sqrt(2 / fan_out)) (PyTorch's
 * kaiming_normal_ with mode fan_out, as the public DynamicConv code and ODConv initialise their
 * attention) and zero biases. Weights are positive and sum to 1; a large T makes them
 * near-uniform, so every kernel gets gradient early in training.
 *
 * <p>Until 2026-12 the kernels were Glorot-uniform (tf.layers' default), which gives logits about a
 * quarter as spread at T = 1: the attention started, and stayed, within 0.01 nats of uniform on
 * Fashion-MNIST; see src/site/markdown/results/study.md, DynamicConv's attention.
 *
 * <p>Variables {@code fc1/kernel}, {@code fc1/bias}, {@code fc2/kernel}, {@code fc2/bias} under the
 * given scope.
 */
public final class SoftmaxRouting implements Routing {
  private final LayerScope scope;
  private final SoftmaxRoutingConfig config;
  private final int inChannels;
  private final Dense fc1;
  private final Dense fc2;
  private final Operand<TFloat32> temperature;

  private SoftmaxRouting(
      LayerScope scope, SoftmaxRoutingConfig config, int inChannels, Operand<TFloat32> temperature) {
    this.scope = scope;
    this.config = config;
    this.inChannels = inChannels;
    this.temperature = temperature;
    int hidden = config.hidden(inChannels);
    this.fc1 = Dense.create(scope.child("fc1"),
        new DenseConfig(hidden, true, Activation.RELU, DenseConfig.KernelInit.HE_FAN_OUT),
        inChannels);
    this.fc2 = Dense.create(scope.child("fc2"),
        new DenseConfig(config.numKernels(), true, Activation.NONE,
            DenseConfig.KernelInit.HE_FAN_OUT),
        hidden);
  }

  /**
   * @param temperature a scalar operand, usually {@link Temperature#input}; shared by all layers
   *     that anneal together
   */
  public static SoftmaxRouting create(
      LayerScope scope, SoftmaxRoutingConfig config, int inChannels, Operand<TFloat32> temperature) {
    Check.notNull("SoftmaxRouting", "config", config);
    Check.positive("SoftmaxRouting", "inChannels", inChannels);
    Check.notNull("SoftmaxRouting", "temperature", temperature);
    if (temperature.shape().numDimensions() != 0) {
      throw new IllegalArgumentException("SoftmaxRouting '" + scope.path()
          + "': temperature must be a scalar; received shape " + temperature.shape() + ".");
    }
    return new SoftmaxRouting(scope, config, inChannels, temperature);
  }

  @Override
  public Operand<TFloat32> route(Operand<TFloat32> x) {
    return softmax(logits(x));
  }

  @Override
  public PooledInput pool(Operand<TFloat32> x, Mode mode) {
    return PooledInput.checked("SoftmaxRouting", scope, x, inChannels, mode);
  }

  @Override
  public Operand<TFloat32> routePooled(Operand<TFloat32> pooled) {
    PooledInput.requireChannels("SoftmaxRouting", scope, pooled, inChannels);
    return softmax(fc2.apply(fc1.apply(pooled)));
  }

  /** The attention logits {@code z [B,K]} before temperature and softmax. */
  public Operand<TFloat32> logits(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc("SoftmaxRouting", scope, x);
    Shapes.requireChannels("SoftmaxRouting", scope, nhwc, inChannels);
    return fc2.apply(fc1.apply(GlobalAvgPool.apply(scope.ops(), x)));
  }

  private Operand<TFloat32> softmax(Operand<TFloat32> z) {
    Ops tf = scope.ops();
    return tf.nn.softmax(tf.math.div(z, temperature));
  }

  public Operand<TFloat32> temperature() {
    return temperature;
  }

  public SoftmaxRoutingConfig config() {
    return config;
  }

  @Override
  public int numExperts() {
    return config.numKernels();
  }

  @Override
  public int inChannels() {
    return inChannels;
  }

  @Override
  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(fc1.variables());
    vs.addAll(fc2.variables());
    return vs.stream().map(VariableRef::asRouting).toList();
  }

  @Override
  public long macs(long h, long w) {
    long hidden = config.hidden(inChannels);
    return h * w * inChannels + inChannels * hidden + hidden * config.numKernels();
  }
}

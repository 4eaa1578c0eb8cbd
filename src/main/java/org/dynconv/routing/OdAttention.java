package org.dynconv.routing;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * ODConv's attention (Li, Zhou, Yao, ICLR 2022; the official {@code modules/odconv.py}): a trunk
 * {@code h = relu(BN(mean_{H,W}(x) W_fc))} of width A, then four heads, each a dense layer with
 * bias whose logits are divided by the temperature T:
 *
 * <pre>
 * channel [B,C]     = sigmoid((h W_c + b_c) / T)   input-channel attention, scales the input
 * filter  [B,O]     = sigmoid((h W_f + b_f) / T)  output-channel attention, scales the output;
 *                                                 absent for a depthwise layer with C == O
 * spatial [B,kh*kw] = sigmoid((h W_s + b_s) / T)  one weight per kernel tap, shared by every
 *                                                 channel and kernel; absent for 1x1 kernels
 * kernel  [B,n]     = softmax((h W_w + b_w) / T)  over the n kernels; absent for n = 1
 * </pre>
 *
 * The official code shares the channel, filter and spatial attentions across the n kernels (the
 * paper writes one per kernel); so does this one. BN normalises over the batch (training mode uses
 * batch statistics, so a batch of one trains with a zero trunk). Variables under the given scope:
 * {@code fc/kernel [C,A]} (no bias), {@code batch_normalization/*}, {@code channel_fc}, {@code
 * filter_fc}, {@code spatial_fc}, {@code kernel_fc} ({@code kernel} and {@code bias}); kernels
 * drawn from Normal(0, sqrt(2 / fan_out)) as the official kaiming_normal_(mode='fan_out'), biases
 * zero.
 */
public final class OdAttention {
  private static final String C = "OdAttention";
  private final LayerScope scope;
  private final int inChannels;
  private final Dense fc;
  private final BatchNorm bn;
  private final Dense channel;
  private final Dense filter;
  private final Dense spatial;
  private final Dense kernel;
  private final Operand<TFloat32> temperature;

  /**
   * One batch's attentions; {@code filter}, {@code spatial} and {@code kernel} are null when the
   * layer has no such head.
   */
  public record Weights(Operand<TFloat32> channel, Operand<TFloat32> filter,
      Operand<TFloat32> spatial, Operand<TFloat32> kernel, List<Op> updates) {
    public Weights {
      updates = List.copyOf(updates);
    }
  }

  private OdAttention(LayerScope scope, OdAttentionConfig config, int inChannels, int filters,
      int taps, int kernels, Operand<TFloat32> temperature) {
    this.scope = scope;
    this.inChannels = inChannels;
    this.temperature = temperature;
    int a = config.width(inChannels);
    DenseConfig.KernelInit he = DenseConfig.KernelInit.HE_FAN_OUT;
    this.fc = Dense.create(scope.child("fc"), DenseConfig.linear(a, he), inChannels);
    this.bn = BatchNorm.create(scope.child("batch_normalization"), new BatchNormConfig(0.9, 1e-5), a);
    this.channel = head("channel_fc", inChannels, a);
    this.filter = filters > 0 ? head("filter_fc", filters, a) : null;
    this.spatial = taps > 1 ? head("spatial_fc", taps, a) : null;
    this.kernel = kernels > 1 ? head("kernel_fc", kernels, a) : null;
  }

  private Dense head(String name, int units, int in) {
    return Dense.create(scope.child(name), DenseConfig.linear(units, DenseConfig.KernelInit.HE_FAN_OUT)
        .withBias(true), in);
  }

  /**
   * @param filters output channels for the filter head, or 0 for none (depthwise with C == O)
   * @param taps kh*kw for the spatial head (none when 1)
   * @param kernels n for the kernel head (none when 1)
   * @param temperature scalar T dividing every head's logits
   */
  public static OdAttention create(LayerScope scope, OdAttentionConfig config, int inChannels,
      int filters, int taps, int kernels, Operand<TFloat32> temperature) {
    Check.notNull(C, "config", config);
    Check.positive(C, "inChannels", inChannels);
    Check.atLeast(C, "filters", filters, 0);
    Check.positive(C, "taps", taps);
    Check.positive(C, "kernels", kernels);
    Check.notNull(C, "temperature", temperature);
    if (temperature.shape().numDimensions() != 0) {
      throw new IllegalArgumentException(C + " '" + scope.path()
          + "': temperature must be a scalar; received shape " + temperature.shape() + ".");
    }
    return new OdAttention(scope, config, inChannels, filters, taps, kernels, temperature);
  }

  /**
   * The attentions of {@code x [B,H,W,C]}, with the trunk BatchNorm's updates in TRAIN. The heads
   * run as one product of the trunk with their kernels concatenated (the variables stay separate),
   * one sigmoid over the sigmoid heads and a softmax over the kernel head: fewer small ops, which
   * dominate the cost of a layer at batch 1.
   */
  public Weights apply(Operand<TFloat32> x, Mode mode) {
    long[] nhwc = Shapes.requireNhwc(C, scope, x);
    Shapes.requireChannels(C, scope, nhwc, inChannels);
    return applyPooled(GlobalAvgPool.apply(scope.ops(), x), mode);
  }

  /**
   * The input and its mean over height and width, pooled in this attention's scope: attend from
   * {@link PooledInput#pooled()} with {@link #applyPooled} and convolve {@link PooledInput#x()},
   * so that training graphs get the pooling's faster gradient (see {@link PooledInput}).
   */
  public PooledInput pool(Operand<TFloat32> x, Mode mode) {
    return PooledInput.checked(C, scope, x, inChannels, mode);
  }

  /** The attentions {@link #apply} gives, from the input's mean {@code [B,C]}. */
  public Weights applyPooled(Operand<TFloat32> pooled, Mode mode) {
    PooledInput.requireChannels(C, scope, pooled, inChannels);
    Ops tf = scope.ops();
    Forward trunk = bn.apply(fc.apply(pooled), mode);
    Operand<TFloat32> h = tf.nn.relu(trunk.output());
    List<Dense> sig = new ArrayList<>();
    for (Dense d : new Dense[] {channel, filter, spatial}) {
      if (d != null) {
        sig.add(d);
      }
    }
    List<Dense> all = new ArrayList<>(sig);
    if (kernel != null) {
      all.add(kernel);
    }
    Operand<TFloat32> z = tf.math.div(heads(tf, h, all), temperature);
    int sigWidth = sig.stream().mapToInt(d -> d.config().units()).sum();
    Operand<TFloat32> s = tf.math.sigmoid(kernel == null ? z : columns(tf, z, 0, sigWidth));
    Operand<TFloat32>[] parts = split(tf, s, sig);
    Operand<TFloat32> k = kernel == null ? null
        : tf.nn.softmax(columns(tf, z, sigWidth, kernel.config().units()));
    int i = 0;
    Operand<TFloat32> ch = parts[i++];
    Operand<TFloat32> fi = filter == null ? null : parts[i++];
    Operand<TFloat32> sp = spatial == null ? null : parts[i];
    return new Weights(ch, fi, sp, k, trunk.updates());
  }

  /** {@code h [W_1 | W_2 | ...] + [b_1 | b_2 | ...]}. */
  private static Operand<TFloat32> heads(Ops tf, Operand<TFloat32> h, List<Dense> heads) {
    if (heads.size() == 1) {
      return heads.get(0).apply(h);
    }
    Operand<TFloat32> w = tf.concat(heads.stream().map(d -> (Operand<TFloat32>) d.kernel().read())
        .toList(), tf.constant(1));
    Operand<TFloat32> b = tf.concat(heads.stream().map(d -> (Operand<TFloat32>) d.bias().read())
        .toList(), tf.constant(0));
    return tf.nn.biasAdd(tf.linalg.matMul(h, w), b);
  }

  private static Operand<TFloat32> columns(Ops tf, Operand<TFloat32> z, int from, int width) {
    // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
    return tf.slice(z, tf.constant(new int[] {0, from}), tf.constant(new int[] {-1, width}));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] split(Ops tf, Operand<TFloat32> s, List<Dense> heads) {
    if (heads.size() == 1) {
      return new Operand[] {s};
    }
    long[] sizes = heads.stream().mapToLong(d -> d.config().units()).toArray();
    var parts = tf.splitV(s, tf.constant(sizes), tf.constant(1), (long) sizes.length).output();
    return parts.toArray(new Operand[0]);
  }

  /** Multiply-adds per example for an {@code h x w} input: pooling, trunk and heads. */
  public long macs(long h, long w) {
    long a = fc.config().units();
    long heads = channel.config().units() + (filter == null ? 0 : filter.config().units())
        + (spatial == null ? 0 : spatial.config().units())
        + (kernel == null ? 0 : kernel.config().units());
    return h * w * inChannels + (long) inChannels * a + a * heads;
  }

  public Operand<TFloat32> temperature() {
    return temperature;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(fc.variables());
    vs.addAll(bn.variables());
    for (Dense d : new Dense[] {channel, filter, spatial, kernel}) {
      if (d != null) {
        vs.addAll(d.variables());
      }
    }
    return vs.stream().map(v -> v.trainable() ? v.asRouting() : v).toList();
  }
}

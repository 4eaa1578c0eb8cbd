package org.dynconv.routing;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.AdaptiveAvgPool;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DCD's dynamic branch (Li et al. 2021; the official {@code conv_dy}, {@code conv_basic_dy} and
 * {@code DYModule}): from the layer's input, per example, a channel scale lambda and a latent
 * fusion matrix Phi.
 *
 * <pre>
 * y      = pool(x)                      [B, C*p*p]  global (p = 1) or 2x2 adaptive (p = 2),
 *                                                   flattened c*p*p + i*p + j as in PyTorch
 * y      = y W_fc                       [B, S]      no bias
 * y      = y * hs(y W_se)               [B, S]      the code's SEModule_small: no ReLU
 * lambda = hs(y W_scale)                [B, O]
 * Phi    = reshape(y W_phi, [B, L, L])  Phi[b,i,j] = (y W_phi)[b, i*L + j], no activation
 * </pre>
 *
 * {@code hs(u) = relu6(u + 3) / 3} spans [0, 2] with {@code hs(0) = 1}: twice the usual hard
 * sigmoid, as the official code defines it. Variables {@code fc/kernel [C*p*p, S]}, {@code
 * se/kernel [S, S]}, {@code fc_scale/kernel [S, O]}, {@code fc_phi/kernel [S, L*L]}, each drawn
 * from Normal(0, 0.01) (the official MobileNetV2 init), so a new layer starts with lambda near 1
 * and Phi near 0. The classifier form ({@code DYCls}) takes an already pooled {@code [B, C]}
 * input.
 */
public final class DcdBranch {
  private final LayerScope scope;
  private final int inFeatures;
  private final int poolBins;
  private final int latent;
  private final int outChannels;
  private final Dense fc;
  private final Dense se;
  private final Dense scale;
  private final Dense phi;

  /** Lambda {@code [B, O]} and Phi {@code [B, L, L]} of one batch. */
  public record Attention(Operand<TFloat32> lambda, Operand<TFloat32> phi) {}

  private DcdBranch(LayerScope scope, int inFeatures, int poolBins, int squeeze, int latent,
      int outChannels) {
    this.scope = scope;
    this.inFeatures = inFeatures;
    this.poolBins = poolBins;
    this.latent = latent;
    this.outChannels = outChannels;
    DenseConfig.KernelInit init = DenseConfig.KernelInit.NORMAL_0_01;
    this.fc = Dense.create(scope.child("fc"), DenseConfig.linear(squeeze, init),
        inFeatures * poolBins * poolBins);
    this.se = Dense.create(scope.child("se"), DenseConfig.linear(squeeze, init), squeeze);
    this.scale = Dense.create(scope.child("fc_scale"), DenseConfig.linear(outChannels, init),
        squeeze);
    this.phi = Dense.create(scope.child("fc_phi"), DenseConfig.linear(latent * latent, init),
        squeeze);
  }

  /**
   * Creates the branch's variables under {@code scope}.
   *
   * @param inFeatures input channels C (the features of a pooled input for the classifier form)
   * @param poolBins 1 or 2
   * @param squeeze S
   * @param latent L
   * @param outChannels O, the width of lambda
   */
  public static DcdBranch create(LayerScope scope, int inFeatures, int poolBins, int squeeze,
      int latent, int outChannels) {
    Check.positive("DcdBranch", "inFeatures", inFeatures);
    Check.inRange("DcdBranch", "poolBins", poolBins, 1, 2);
    Check.positive("DcdBranch", "squeeze", squeeze);
    Check.positive("DcdBranch", "latent", latent);
    Check.positive("DcdBranch", "outChannels", outChannels);
    return new DcdBranch(scope, inFeatures, poolBins, squeeze, latent, outChannels);
  }

  /**
   * {@code x [B,H,W,C]} and its pooled features {@code [B, C*p*p]}, the branch's input: the
   * layer convolves {@link PooledInput#x()} and passes {@link PooledInput#pooled()} to {@link
   * #applyPooled}. The global pool (p = 1) comes out of {@link PooledInput#of}, so that a
   * training graph gets the mean's faster gradient there; the 2x2 adaptive pool is TensorFlow's
   * slices and means.
   */
  public PooledInput pool(Operand<TFloat32> x, Mode mode) {
    long[] nhwc = Shapes.requireNhwc("DcdBranch", scope, x);
    Shapes.requireChannels("DcdBranch", scope, nhwc, inFeatures);
    if (nhwc[1] < poolBins || nhwc[2] < poolBins) {
      throw new IllegalArgumentException("DcdBranch '" + scope.path() + "': a " + poolBins + "x"
          + poolBins + " pool needs an input of at least " + poolBins + "x" + poolBins
          + "; received shape " + x.shape() + ".");
    }
    if (poolBins == 1) {
      return PooledInput.of(scope.ops(), x, mode);
    }
    return new PooledInput(x, AdaptiveAvgPool.flattenChannelsFirst(scope.ops(), x, poolBins));
  }

  /** The branch on pooled features {@code [B, C*p*p]} (the classifier form takes {@code [B, C]}). */
  public Attention applyPooled(Operand<TFloat32> pooled) {
    Shapes.requireMatrix("DcdBranch", scope, pooled, (long) inFeatures * poolBins * poolBins);
    Ops tf = scope.ops();
    Operand<TFloat32> y = fc.apply(pooled);
    y = tf.math.mul(y, hardSigmoid(tf, se.apply(y)));
    Operand<TFloat32> lambda = hardSigmoid(tf, scale.apply(y));
    Operand<TFloat32> p = tf.reshape(phi.apply(y), tf.constant(new long[] {-1, latent, latent}));
    return new Attention(lambda, p);
  }

  /** DCD's {@code relu6(u + 3) / 3}, in [0, 2]. */
  public static Operand<TFloat32> hardSigmoid(Ops tf, Operand<TFloat32> u) {
    return tf.math.div(tf.nn.relu6(tf.math.add(u, tf.constant(3f))), tf.constant(3f));
  }

  /** Multiply-adds per example: pooling reads {@code H*W*C}, then the four dense layers. */
  public long macs(long h, long w) {
    long in = (long) inFeatures * poolBins * poolBins;
    long s = fc.config().units();
    return h * w * inFeatures + in * s + s * s + s * outChannels + s * (long) latent * latent;
  }

  public int latent() {
    return latent;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(fc.variables());
    vs.addAll(se.variables());
    vs.addAll(scale.variables());
    vs.addAll(phi.variables());
    return vs.stream().map(VariableRef::asRouting).toList();
  }
}

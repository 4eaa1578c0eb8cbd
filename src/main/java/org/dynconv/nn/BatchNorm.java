package org.dynconv.nn;

import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.CrossReplica;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Batch normalisation with FusedBatchNormV3: {@code y = gamma * (x - mean) / sqrt(var + eps) +
 * beta} per channel. TRAIN normalises with the batch mean and biased batch variance and returns
 * update ops {@code moving -= (1 - momentum) * (moving - batch)}, where the variance fed to the
 * moving average is the unbiased one (what FusedBatchNormV3 returns; Keras and tf.layers do the
 * same). INFER normalises with the moving statistics.
 *
 * <p>Variables (Keras / tf.layers names): {@code gamma} (ones), {@code beta} (zeros), {@code
 * moving_mean} (zeros), {@code moving_variance} (ones), each {@code [C]}.
 *
 * <p>Cross-replica (a {@link org.dynconv.graph.CrossReplica} on the scope, Google's cross-replica
 * BatchNorm): TRAIN takes the mean and variance over the global batch of all workers, in two
 * passes ({@code mean = mean_w(mean(x))}, {@code var = mean_w(mean((x - mean)^2))} with equal
 * per-worker batches), and the moving variance gets the global unbiased one.
 *
 * <p>Input is NHWC, or {@code [B,C]} / {@code [B,N,C]} with the channels last (PyTorch's
 * BatchNorm1d over features or over a sequence): statistics are always taken over every axis but
 * the last.
 */
public final class BatchNorm {
  private final LayerScope scope;
  private final BatchNormConfig config;
  private final int channels;
  private final VariableRef gamma;
  private final VariableRef beta;
  private final VariableRef movingMean;
  private final VariableRef movingVariance;

  private BatchNorm(LayerScope scope, BatchNormConfig config, int channels) {
    this.scope = scope;
    this.config = config;
    this.channels = channels;
    Shape s = Shape.of(channels);
    gamma = Variables.create(scope, "gamma", s, Initializers.ones(), VariableRef.Kind.TRAINABLE);
    beta = Variables.create(scope, "beta", s, Initializers.zeros(), VariableRef.Kind.TRAINABLE);
    movingMean = Variables.create(scope, "moving_mean", s, Initializers.zeros(),
        VariableRef.Kind.MOVING_STATISTIC);
    movingVariance = Variables.create(scope, "moving_variance", s, Initializers.ones(),
        VariableRef.Kind.MOVING_STATISTIC);
  }

  public static BatchNorm create(LayerScope scope, BatchNormConfig config, int channels) {
    Check.notNull("BatchNorm", "config", config);
    Check.positive("BatchNorm", "channels", channels);
    return new BatchNorm(scope, config, channels);
  }

  /**
   * {@code [B,H,W,C]}, {@code [B,N,C]} or {@code [B,C]} to the same shape, with the moving-statistic
   * updates in TRAIN.
   */
  public Forward apply(Operand<TFloat32> x, Mode mode) {
    int rank = x.shape().isUnknown() ? -1 : x.shape().numDimensions();
    if (rank == 2 || rank == 3) {
      long[] s = x.shape().asArray();
      if (s[rank - 1] != channels || (rank == 3 && s[1] < 0)) {
        throw new IllegalArgumentException("BatchNorm '" + scope.path() + "': input must be [B, "
            + (rank == 3 ? "N, " : "") + channels + "] with static N; received shape " + x.shape()
            + ".");
      }
      Ops tf = scope.ops();
      Operand<TFloat32> x4 = tf.reshape(x, tf.constant(new long[] {-1, rank == 3 ? s[1] : 1, 1,
          channels}));
      Forward f = apply4d(x4, mode);
      long[] back = rank == 3 ? new long[] {-1, s[1], channels} : new long[] {-1, channels};
      return new Forward(tf.reshape(f.output(), tf.constant(back)), f.updates());
    }
    long[] nhwc = Shapes.requireNhwc("BatchNorm", scope, x);
    Shapes.requireChannels("BatchNorm", scope, nhwc, channels);
    return apply4d(x, mode);
  }

  private Forward apply4d(Operand<TFloat32> x, Mode mode) {
    Ops tf = scope.ops();
    float eps = (float) config.epsilon();
    if (!mode.training()) {
      FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(x, gamma.read(), beta.read(),
          movingMean.read(), movingVariance.read(), FusedBatchNorm.epsilon(eps),
          FusedBatchNorm.isTraining(false));
      return Forward.of(bn.y());
    }
    if (scope.crossReplica() != null) {
      return crossReplica(tf, x, eps, scope.crossReplica());
    }
    Operand<TFloat32> empty = tf.constant(new float[0]);
    FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(x, gamma.read(), beta.read(), empty,
        empty, FusedBatchNorm.epsilon(eps), FusedBatchNorm.isTraining(true));
    Operand<TFloat32> decay = tf.constant((float) (1 - config.momentum()));
    Op meanUpdate = tf.assignSub(movingMean.variable(),
        tf.math.mul(tf.math.sub(movingMean.read(), bn.batchMean()), decay));
    Op varUpdate = tf.assignSub(movingVariance.variable(),
        tf.math.mul(tf.math.sub(movingVariance.read(), bn.batchVariance()), decay));
    return new Forward(bn.y(), List.of(meanUpdate, varUpdate));
  }

  private Forward crossReplica(Ops tf, Operand<TFloat32> x, float eps, CrossReplica replicas) {
    Operand<org.tensorflow.types.TInt32> axes = tf.constant(new int[] {0, 1, 2});
    Operand<TFloat32> mean = replicas.mean(tf, tf.math.mean(x, axes));
    Operand<TFloat32> centred = tf.math.sub(x, mean);
    Operand<TFloat32> variance = replicas.mean(tf, tf.math.mean(tf.math.square(centred), axes));
    Operand<TFloat32> y = tf.math.add(tf.math.mul(centred, tf.math.mul(gamma.read(),
        tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))))), beta.read());
    // Global count n = (B*H*W per worker) * workers; the moving variance takes var * n / (n - 1).
    Operand<TFloat32> n = tf.math.mul(tf.dtypes.cast(tf.math.div(tf.size(x), tf.constant(channels)),
        TFloat32.class), tf.constant((float) replicas.replicas()));
    Operand<TFloat32> unbiased = tf.math.mul(variance, tf.math.div(n,
        tf.math.maximum(tf.math.sub(n, tf.constant(1f)), tf.constant(1f))));
    Operand<TFloat32> decay = tf.constant((float) (1 - config.momentum()));
    Op meanUpdate = tf.assignSub(movingMean.variable(),
        tf.math.mul(tf.math.sub(movingMean.read(), mean), decay));
    Op varUpdate = tf.assignSub(movingVariance.variable(),
        tf.math.mul(tf.math.sub(movingVariance.read(), unbiased), decay));
    return new Forward(y, List.of(meanUpdate, varUpdate));
  }

  /** Inference mode as {@code scale * x + shift}: {@code gamma / sqrt(var + eps)}, {@code beta -
   * scale * mean}. */
  public Norm.Affine inference(Ops tf) {
    Operand<TFloat32> scale = tf.math.mul(gamma.read(), tf.math.rsqrt(
        tf.math.add(movingVariance.read(), tf.constant((float) config.epsilon()))));
    return new Norm.Affine(scale, tf.math.sub(beta.read(), tf.math.mul(scale, movingMean.read())));
  }

  public List<VariableRef> variables() {
    return List.of(gamma, beta, movingMean, movingVariance);
  }

  public VariableRef gamma() {
    return gamma;
  }

  public VariableRef beta() {
    return beta;
  }

  public VariableRef movingMean() {
    return movingMean;
  }

  public VariableRef movingVariance() {
    return movingVariance;
  }

  public BatchNormConfig config() {
    return config;
  }
}

package org.dynconv.init;

import org.dynconv.config.Check;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/**
 * The initializers dynconv's layers use. Fans are computed from the shape of one kernel (one
 * expert), never from the stacked {@code [E, P]} variable, as in Google's {@code
 * get_condconv_initializer}. The framework's VarianceScaling is not used: in TF Java 1.1.0 it
 * counts the input channels twice for conv kernels.
 */
public final class Initializers {
  private static final String COMPONENT = "Initializers";

  private Initializers() {}

  /** All zeros. */
  public static Initializer zeros() {
    return (tf, shape, seed, seed2) -> tf.zeros(tf.constant(shape), TFloat32.class);
  }

  /** All ones. */
  public static Initializer ones() {
    return constant(1f);
  }

  /** Every element {@code value}. */
  public static Initializer constant(float value) {
    return (tf, shape, seed, seed2) -> tf.fill(tf.constant(shape), tf.constant(value));
  }

  /** Normal(0, std), untruncated. */
  public static Initializer normal(double std) {
    Check.positiveFinite(COMPONENT, "std", std);
    return (tf, shape, seed, seed2) -> {
      Operand<TFloat32> z =
          tf.random.randomStandardNormal(
              tf.constant(shape), TFloat32.class,
              RandomStandardNormal.seed(seed), RandomStandardNormal.seed2(seed2));
      return tf.math.mul(z, tf.constant((float) std));
    };
  }

  /** Uniform on {@code [-limit, limit)}. */
  public static Initializer uniform(double limit) {
    Check.positiveFinite(COMPONENT, "limit", limit);
    return (tf, shape, seed, seed2) -> {
      Operand<TFloat32> u =
          tf.random.randomUniform(
              tf.constant(shape), TFloat32.class,
              RandomUniform.seed(seed), RandomUniform.seed2(seed2));
      // u in [0, 1) -> [-limit, limit)
      return tf.math.mul(tf.math.sub(tf.math.mul(u, tf.constant(2f)), tf.constant(1f)),
          tf.constant((float) limit));
    };
  }

  /**
   * Google's {@code conv_kernel_initializer}: Normal(0, sqrt(2 / fan_out)) with {@code fan_out =
   * kh * kw * outChannels}. For a depthwise kernel (kh, kw, C, M), outChannels is M.
   */
  public static Initializer convKernel(int kernelH, int kernelW, int outChannels) {
    Check.positive(COMPONENT, "kernelH", kernelH);
    Check.positive(COMPONENT, "kernelW", kernelW);
    Check.positive(COMPONENT, "outChannels", outChannels);
    return normal(convKernelStd(kernelH, kernelW, outChannels));
  }

  /** The standard deviation {@link #convKernel} draws with. */
  public static double convKernelStd(int kernelH, int kernelW, int outChannels) {
    return Math.sqrt(2.0 / ((double) kernelH * kernelW * outChannels));
  }

  /** Glorot (Xavier) uniform: limit sqrt(6 / (fanIn + fanOut)); Keras' and tf.layers' default. */
  public static Initializer glorotUniform(long fanIn, long fanOut) {
    Check.positive(COMPONENT, "fanIn", fanIn);
    Check.positive(COMPONENT, "fanOut", fanOut);
    return uniform(Math.sqrt(6.0 / (fanIn + fanOut)));
  }

  /** Google's {@code dense_kernel_initializer}: uniform with limit 1 / sqrt(units). */
  public static Initializer denseKernel(int units) {
    Check.positive(COMPONENT, "units", units);
    return uniform(1.0 / Math.sqrt(units));
  }
}

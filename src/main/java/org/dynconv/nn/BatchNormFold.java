package org.dynconv.nn;

import java.util.List;

/**
 * A convolution followed by a BatchNorm that inference can fold: {@code bn(conv(x, K)) =
 * conv(x, K * s) + (beta - s * mean)} with {@code s = gamma / sqrt(var + eps)} per output channel.
 * The kernel's flattened layout always ends in the output channels ({@code ...,Cout} for HWIO and
 * CondConv rows, {@code ...,C,M} for depthwise), so element i is scaled by {@code s[i % channels]}.
 * A layer whose output is a sum of several convolutions' outputs (DCD's {@code P t + lambda *
 * conv(x; W0)}) lists every kernel: each is scaled by s.
 *
 * @param kernels the kernel (or expert bank) variables whose values are scaled
 * @param channels output channels of the convolution
 * @param batchNorm the BatchNorm's scope; folded graphs hold {@code <batchNorm>/bias} instead
 * @param epsilon the BatchNorm's epsilon
 */
public record BatchNormFold(List<String> kernels, int channels, String batchNorm, double epsilon) {
  public BatchNormFold {
    kernels = List.copyOf(kernels);
  }

  /** One kernel. */
  public BatchNormFold(String kernel, int channels, String batchNorm, double epsilon) {
    this(List.of(kernel), channels, batchNorm, epsilon);
  }

  /** The per-channel scale {@code gamma / sqrt(var + eps)}. */
  public double[] scales(float[] gamma, float[] variance) {
    double[] s = new double[channels];
    for (int c = 0; c < channels; c++) {
      s[c] = gamma[c] / Math.sqrt(variance[c] + epsilon);
    }
    return s;
  }

  /** Scales a kernel's values in place by {@code s[i % channels]}. */
  public void scale(float[] kernelValues, double[] s) {
    for (int i = 0; i < kernelValues.length; i++) {
      kernelValues[i] = (float) (kernelValues[i] * s[i % channels]);
    }
  }

  /** The folded bias {@code beta - s * mean}. */
  public float[] bias(double[] s, float[] beta, float[] mean) {
    float[] bias = new float[channels];
    for (int c = 0; c < channels; c++) {
      bias[c] = (float) (beta[c] - s[c] * mean[c]);
    }
    return bias;
  }

  /** Folds a single kernel in place and returns the bias. */
  public float[] fold(float[] kernelValues, float[] gamma, float[] beta, float[] mean,
      float[] variance) {
    double[] s = scales(gamma, variance);
    scale(kernelValues, s);
    return bias(s, beta, mean);
  }
}

package org.dynconv.nn;

/**
 * A convolution followed by a BatchNorm that inference can fold: {@code bn(conv(x, K)) =
 * conv(x, K * s) + (beta - s * mean)} with {@code s = gamma / sqrt(var + eps)} per output channel.
 * The kernel's flattened layout always ends in the output channels ({@code ...,Cout} for HWIO and
 * CondConv rows, {@code ...,C,M} for depthwise), so element i is scaled by {@code s[i % channels]}.
 *
 * @param kernel the kernel (or expert bank) variable whose values are scaled
 * @param channels output channels of the convolution
 * @param batchNorm the BatchNorm's scope; folded graphs hold {@code <batchNorm>/bias} instead
 * @param epsilon the BatchNorm's epsilon
 */
public record BatchNormFold(String kernel, int channels, String batchNorm, double epsilon) {
  /** Folds in place: scales {@code kernel} and returns the bias. */
  public float[] fold(float[] kernelValues, float[] gamma, float[] beta, float[] mean,
      float[] variance) {
    double[] s = new double[channels];
    float[] bias = new float[channels];
    for (int c = 0; c < channels; c++) {
      s[c] = gamma[c] / Math.sqrt(variance[c] + epsilon);
      bias[c] = (float) (beta[c] - s[c] * mean[c]);
    }
    for (int i = 0; i < kernelValues.length; i++) {
      kernelValues[i] = (float) (kernelValues[i] * s[i % channels]);
    }
    return bias;
  }
}

package org.dynconv.reference;

/**
 * Float64 building blocks for the DCD and ODConv references, written from PyTorch's and
 * TensorFlow's documented semantics. Arrays are row-major; feature maps NHWC.
 */
public final class RefNn {
  private RefNn() {}

  /** {@code x [B,in] W [in,out]} (+ bias [out] when not null). */
  public static double[] dense(double[] x, int batch, int in, double[] w, double[] bias, int out) {
    double[] y = new double[batch * out];
    for (int b = 0; b < batch; b++) {
      for (int o = 0; o < out; o++) {
        double acc = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          acc += x[b * in + i] * w[i * out + o];
        }
        y[b * out + o] = acc;
      }
    }
    return y;
  }

  /** DCD's {@code relu6(u + 3) / 3}. */
  public static double hardSigmoidDcd(double u) {
    return Math.min(Math.max(u + 3, 0), 6) / 3;
  }

  public static double sigmoid(double u) {
    return 1 / (1 + Math.exp(-u));
  }

  /**
   * PyTorch's AdaptiveAvgPool2d(n) on one example {@code x [H,W,C]}, flattened PyTorch-style: the
   * result {@code [C*n*n]} has feature {@code c*n*n + i*n + j}; bin i covers rows floor(i*H/n) to
   * ceil((i+1)*H/n) - 1.
   */
  public static double[] adaptivePoolChannelsFirst(double[] x, int h, int w, int c, int n) {
    double[] out = new double[c * n * n];
    for (int i = 0; i < n; i++) {
      int r0 = (i * h) / n, r1 = ((i + 1) * h + n - 1) / n;
      for (int j = 0; j < n; j++) {
        int c0 = (j * w) / n, c1 = ((j + 1) * w + n - 1) / n;
        int count = (r1 - r0) * (c1 - c0);
        for (int ch = 0; ch < c; ch++) {
          double s = 0;
          for (int r = r0; r < r1; r++) {
            for (int col = c0; col < c1; col++) {
              s += x[(r * w + col) * c + ch];
            }
          }
          out[ch * n * n + i * n + j] = s / count;
        }
      }
    }
    return out;
  }

  /** BatchNorm parameters and moving statistics of one layer, each {@code [C]}. */
  public record Bn(double[] gamma, double[] beta, double[] mean, double[] variance, double eps) {}

  /**
   * BatchNorm over the last axis of {@code x [rows, C]}. Training: the rows' mean and biased
   * variance; inference: the moving statistics.
   */
  public static double[] batchNorm(double[] x, int rows, int c, Bn bn, boolean training) {
    double[] mean = bn.mean(), var = bn.variance();
    if (training) {
      mean = new double[c];
      var = new double[c];
      for (int r = 0; r < rows; r++) {
        for (int k = 0; k < c; k++) {
          mean[k] += x[r * c + k] / rows;
        }
      }
      for (int r = 0; r < rows; r++) {
        for (int k = 0; k < c; k++) {
          double d = x[r * c + k] - mean[k];
          var[k] += d * d / rows;
        }
      }
    }
    double[] y = new double[x.length];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < c; k++) {
        y[r * c + k] = bn.gamma()[k] * (x[r * c + k] - mean[k]) / Math.sqrt(var[k] + bn.eps())
            + bn.beta()[k];
      }
    }
    return y;
  }

  /** Example b of {@code x [B, n]}. */
  public static double[] row(double[] x, int b, int n) {
    return java.util.Arrays.copyOfRange(x, b * n, (b + 1) * n);
  }
}

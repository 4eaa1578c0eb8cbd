package org.dynconv.reference;

/**
 * Float64 reference of ODConv (Li, Zhou, Yao 2022) as the official {@code ODConv2d} computes it,
 * written from the formulas:
 *
 * <pre>
 * h        = relu(BN(mean_HW(x) W_fc))                      BN statistics over the batch
 * channel  = sigmoid((h W_c + b_c) / T)   [C]
 * filter   = sigmoid((h W_f + b_f) / T)   [O]    (absent: 1)
 * spatial  = sigmoid((h W_s + b_s) / T)   [k*k]  (absent: 1)
 * kernel   = softmax((h W_w + b_w) / T)   [n]    (absent: 1)
 * K_b      = spatial[b] * sum_i kernel[b,i] W_i           per tap (u,v), shared by all channels
 * out[b]   = filter[b] * conv(x[b] * channel[b]; K_b)
 * </pre>
 */
public final class RefOdConv {
  private RefOdConv() {}

  /** Sizes; {@code kout} is O for a regular layer, the multiplier M for a depthwise one. */
  public record Spec(boolean depthwise, int batch, int h, int w, int cin, int kout, int k, int s,
      int d, boolean same, int n, int hidden) {
    public int cout() {
      return depthwise ? cin * kout : kout;
    }

    public int oh() {
      return RefConv.outSize(h, k, s, d, same);
    }

    public int ow() {
      return RefConv.outSize(w, k, s, d, same);
    }

    public int p() {
      return k * k * cin * kout;
    }

    /** Whether the layer has a filter attention (not for depthwise with one output per channel). */
    public boolean hasFilter() {
      return !(depthwise && kout == 1);
    }
  }

  /**
   * Kernels [n, k*k*C*kout] (HWIO rows), trunk fc [C,A], its BN, heads (kernel [A,units], bias
   * [units]); absent heads null.
   */
  public record Weights(double[] kernels, double[] fc, RefNn.Bn bn, double[] channelW,
      double[] channelB, double[] filterW, double[] filterB, double[] spatialW, double[] spatialB,
      double[] kernelW, double[] kernelB) {}

  /** The four attentions per example, each {@code [B, units]}; absent ones all 1. */
  public record Attention(double[] channel, double[] filter, double[] spatial, double[] kernel) {}

  public static Attention attention(Spec sp, double[] x, Weights wt, double temperature,
      boolean training) {
    int b = sp.batch(), a = sp.hidden();
    double[] pooled = RefCondConv.globalAvgPool(x, b, sp.h(), sp.w(), sp.cin());
    double[] h = RefNn.batchNorm(RefNn.dense(pooled, b, sp.cin(), wt.fc(), null, a), b, a, wt.bn(),
        training);
    for (int i = 0; i < h.length; i++) {
      h[i] = Math.max(h[i], 0);
    }
    double[] channel = sigmoid(RefNn.dense(h, b, a, wt.channelW(), wt.channelB(), sp.cin()),
        temperature);
    double[] filter = sp.hasFilter()
        ? sigmoid(RefNn.dense(h, b, a, wt.filterW(), wt.filterB(), sp.cout()), temperature)
        : ones(b * sp.cout());
    double[] spatial = sp.k() > 1
        ? sigmoid(RefNn.dense(h, b, a, wt.spatialW(), wt.spatialB(), sp.k() * sp.k()), temperature)
        : ones(b);
    double[] kernel = ones(b * sp.n());
    if (sp.n() > 1) {
      double[] z = RefNn.dense(h, b, a, wt.kernelW(), wt.kernelB(), sp.n());
      for (int n = 0; n < b; n++) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < sp.n(); i++) {
          max = Math.max(max, z[n * sp.n() + i] / temperature);
        }
        for (int i = 0; i < sp.n(); i++) {
          kernel[n * sp.n() + i] = Math.exp(z[n * sp.n() + i] / temperature - max);
          sum += kernel[n * sp.n() + i];
        }
        for (int i = 0; i < sp.n(); i++) {
          kernel[n * sp.n() + i] /= sum;
        }
      }
    }
    return new Attention(channel, filter, spatial, kernel);
  }

  /** {@code [B,H',W',O]}. */
  public static double[] forward(Spec sp, double[] x, Weights wt, double temperature,
      boolean training) {
    Attention at = attention(sp, x, wt, temperature, training);
    int b = sp.batch(), in = sp.h() * sp.w() * sp.cin(), p = sp.p(), kk = sp.k() * sp.k();
    int per = p / kk, out = sp.oh() * sp.ow() * sp.cout();
    double[] y = new double[b * out];
    for (int n = 0; n < b; n++) {
      double[] kb = new double[p];
      for (int i = 0; i < sp.n(); i++) {
        for (int j = 0; j < p; j++) {
          kb[j] += at.kernel()[n * sp.n() + i] * wt.kernels()[i * p + j];
        }
      }
      if (sp.k() > 1) {
        for (int j = 0; j < p; j++) {
          kb[j] *= at.spatial()[n * kk + j / per];
        }
      }
      double[] xb = RefNn.row(x, n, in);
      for (int j = 0; j < in; j++) {
        xb[j] *= at.channel()[n * sp.cin() + j % sp.cin()];
      }
      double[] yb = sp.depthwise()
          ? RefConv.depthwise(xb, sp.h(), sp.w(), sp.cin(), kb, sp.k(), sp.k(), sp.kout(), sp.s(),
              sp.d(), sp.same())
          : RefConv.conv2d(xb, sp.h(), sp.w(), sp.cin(), kb, sp.k(), sp.k(), sp.kout(), sp.s(),
              sp.d(), sp.same());
      for (int j = 0; j < out; j++) {
        y[n * out + j] = yb[j] * at.filter()[n * sp.cout() + j % sp.cout()];
      }
    }
    return y;
  }

  private static double[] sigmoid(double[] z, double temperature) {
    double[] y = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      y[i] = RefNn.sigmoid(z[i] / temperature);
    }
    return y;
  }

  private static double[] ones(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, 1);
    return a;
  }
}

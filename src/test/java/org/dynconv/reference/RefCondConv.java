package org.dynconv.reference;

/**
 * Float64 reference for conditional convolutions and their routing, in plain Java: mix the
 * experts with the routing weights, then convolve each example with its own kernel.
 */
public final class RefCondConv {
  private RefCondConv() {}

  /** Geometry of one reference problem. */
  public record Spec(boolean depthwise, int batch, int h, int w, int cin, int kout, int k, int s,
      int d, boolean same, int experts) {
    public int oh() {
      return RefConv.outSize(h, k, s, d, same);
    }

    public int ow() {
      return RefConv.outSize(w, k, s, d, same);
    }

    public int cout() {
      return depthwise ? cin * kout : kout;
    }

    /** Scalars per expert kernel. */
    public int p() {
      return k * k * cin * kout;
    }
  }

  /** {@code sum_e r[b,e] * experts[e, :]} for one example b. */
  public static double[] mix(double[] routing, int b, double[] experts, int e, int p) {
    double[] out = new double[p];
    for (int j = 0; j < e; j++) {
      double r = routing[b * e + j];
      for (int i = 0; i < p; i++) {
        out[i] += r * experts[j * p + i];
      }
    }
    return out;
  }

  /**
   * Full layer: {@code x [B,H,W,Cin]}, routing {@code [B,E]}, experts {@code [E,P]}, bias {@code
   * [E,Cout]} or null. Returns {@code [B,H',W',Cout]}, before any activation.
   */
  public static double[] forward(Spec sp, double[] x, double[] routing, double[] experts,
      double[] bias) {
    int in = sp.h() * sp.w() * sp.cin(), out = sp.oh() * sp.ow() * sp.cout();
    double[] y = new double[sp.batch() * out];
    for (int b = 0; b < sp.batch(); b++) {
      double[] xb = java.util.Arrays.copyOfRange(x, b * in, (b + 1) * in);
      double[] kb = mix(routing, b, experts, sp.experts(), sp.p());
      double[] yb = sp.depthwise()
          ? RefConv.depthwise(xb, sp.h(), sp.w(), sp.cin(), kb, sp.k(), sp.k(), sp.kout(), sp.s(),
              sp.d(), sp.same())
          : RefConv.conv2d(xb, sp.h(), sp.w(), sp.cin(), kb, sp.k(), sp.k(), sp.kout(), sp.s(),
              sp.d(), sp.same());
      double[] bb = bias == null ? null : mix(routing, b, bias, sp.experts(), sp.cout());
      for (int i = 0; i < out; i++) {
        y[b * out + i] = yb[i] + (bb == null ? 0 : bb[i % sp.cout()]);
      }
    }
    return y;
  }

  /** {@code mean over H,W} of {@code x [B,H,W,C]} -> {@code [B,C]}. */
  public static double[] globalAvgPool(double[] x, int batch, int h, int w, int c) {
    double[] out = new double[batch * c];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < h * w; i++) {
        for (int ch = 0; ch < c; ch++) {
          out[b * c + ch] += x[(b * h * w + i) * c + ch];
        }
      }
    }
    for (int i = 0; i < out.length; i++) {
      out[i] /= (h * w);
    }
    return out;
  }

  /** {@code x [B,in] W [in,out] + bias [out]}. */
  public static double[] dense(double[] x, int batch, int in, double[] kernel, double[] bias,
      int out) {
    double[] y = new double[batch * out];
    for (int b = 0; b < batch; b++) {
      for (int o = 0; o < out; o++) {
        double acc = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          acc += x[b * in + i] * kernel[i * out + o];
        }
        y[b * out + o] = acc;
      }
    }
    return y;
  }

  /** CondConv routing: {@code sigmoid(GAP(x) W + b)}. */
  public static double[] sigmoidRouting(double[] x, int batch, int h, int w, int c, double[] kernel,
      double[] bias, int e) {
    double[] z = dense(globalAvgPool(x, batch, h, w, c), batch, c, kernel, bias, e);
    for (int i = 0; i < z.length; i++) {
      z[i] = 1 / (1 + Math.exp(-z[i]));
    }
    return z;
  }

  /** DynamicConv attention: {@code softmax((relu(GAP(x) W1 + b1) W2 + b2) / t)}. */
  public static double[] softmaxRouting(double[] x, int batch, int h, int w, int c, double[] w1,
      double[] b1, int hidden, double[] w2, double[] b2, int k, double t) {
    double[] a = dense(globalAvgPool(x, batch, h, w, c), batch, c, w1, b1, hidden);
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.max(0, a[i]);
    }
    double[] z = dense(a, batch, hidden, w2, b2, k);
    for (int b = 0; b < batch; b++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, z[b * k + j] / t);
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        z[b * k + j] = Math.exp(z[b * k + j] / t - max);
        sum += z[b * k + j];
      }
      for (int j = 0; j < k; j++) {
        z[b * k + j] /= sum;
      }
    }
    return z;
  }
}

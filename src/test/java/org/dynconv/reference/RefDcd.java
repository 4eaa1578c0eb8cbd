package org.dynconv.reference;

/**
 * Float64 reference of DCD (Li et al. 2021) as the official {@code conv_dy} / {@code DYModule}
 * compute it, written from the formulas:
 *
 * <pre>
 * r       = conv(x; W0)                                    geometry of the layer
 * y       = pool_p(x) W_fc;  y = y * hs(y W_se)
 * lambda  = hs(y W_scale);   Phi[i][j] = (y W_phi)[i*L + j]
 * z[pos]  = BN1(Q^T x[centre tap of pos's window])
 * t[pos]  = BN2(Phi z[pos]) + z[pos]                       BN statistics over batch and positions
 * out     = P^T t + lambda * r
 * </pre>
 *
 * with {@code hs(u) = relu6(u + 3) / 3}. The centre tap of output (i, j) is input row {@code i*s -
 * padTop + (k - 1) / 2 * d} (TensorFlow's padding rule), and the same for columns.
 */
public final class RefDcd {
  private RefDcd() {}

  /** Geometry and sizes. */
  public record Spec(int batch, int h, int w, int cin, int cout, int k, int s, int d, boolean same,
      int latent, int squeeze, int pool) {
    public int oh() {
      return RefConv.outSize(h, k, s, d, same);
    }

    public int ow() {
      return RefConv.outSize(w, k, s, d, same);
    }
  }

  /**
   * Weights: W0 [k,k,C,O], Q [C,L], P [L,O], fc [C*p*p, S], se [S,S], scale [S,O], phi [S,L*L],
   * BN1 and BN2 over L.
   */
  public record Weights(double[] w0, double[] q, double[] p, double[] fc, double[] se,
      double[] scale, double[] phi, RefNn.Bn bn1, RefNn.Bn bn2) {}

  /** {@code [B,H',W',O]}; {@code training} uses batch statistics in BN1 and BN2. */
  public static double[] forward(Spec sp, double[] x, Weights wt, boolean training) {
    int b = sp.batch(), oh = sp.oh(), ow = sp.ow(), pos = oh * ow, l = sp.latent(), o = sp.cout();
    int in = sp.h() * sp.w() * sp.cin();
    double[] lambda = new double[b * o];
    double[] phi = new double[b * l * l];
    attention(sp, x, wt, lambda, phi);
    double[] zq = new double[b * pos * l];
    int pt = RefConv.padBefore(sp.h(), sp.k(), sp.s(), sp.d(), sp.same());
    int pl = RefConv.padBefore(sp.w(), sp.k(), sp.s(), sp.d(), sp.same());
    int centre = (sp.k() - 1) / 2 * sp.d();
    for (int n = 0; n < b; n++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int r = i * sp.s() - pt + centre, c = j * sp.s() - pl + centre;
          for (int m = 0; m < l; m++) {
            double acc = 0;
            for (int ci = 0; ci < sp.cin(); ci++) {
              acc += x[n * in + (r * sp.w() + c) * sp.cin() + ci] * wt.q()[ci * l + m];
            }
            zq[(n * pos + i * ow + j) * l + m] = acc;
          }
        }
      }
    }
    double[] z = RefNn.batchNorm(zq, b * pos, l, wt.bn1(), training);
    double[] u = new double[z.length];
    for (int n = 0; n < b; n++) {
      for (int p = 0; p < pos; p++) {
        for (int i = 0; i < l; i++) {
          double acc = 0;
          for (int j = 0; j < l; j++) {
            acc += phi[(n * l + i) * l + j] * z[(n * pos + p) * l + j];
          }
          u[(n * pos + p) * l + i] = acc;
        }
      }
    }
    double[] t = RefNn.batchNorm(u, b * pos, l, wt.bn2(), training);
    for (int i = 0; i < t.length; i++) {
      t[i] += z[i];
    }
    double[] out = new double[b * pos * o];
    for (int n = 0; n < b; n++) {
      double[] r = RefConv.conv2d(RefNn.row(x, n, in), sp.h(), sp.w(), sp.cin(), wt.w0(), sp.k(),
          sp.k(), o, sp.s(), sp.d(), sp.same());
      for (int p = 0; p < pos; p++) {
        for (int c = 0; c < o; c++) {
          double acc = lambda[n * o + c] * r[p * o + c];
          for (int m = 0; m < l; m++) {
            acc += t[(n * pos + p) * l + m] * wt.p()[m * o + c];
          }
          out[(n * pos + p) * o + c] = acc;
        }
      }
    }
    return out;
  }

  /** Fills lambda [B,O] and Phi [B,L,L]. */
  public static void attention(Spec sp, double[] x, Weights wt, double[] lambda, double[] phi) {
    int in = sp.h() * sp.w() * sp.cin(), feat = sp.cin() * sp.pool() * sp.pool();
    int s = sp.squeeze(), o = sp.cout(), l = sp.latent();
    for (int n = 0; n < sp.batch(); n++) {
      double[] pooled = RefNn.adaptivePoolChannelsFirst(RefNn.row(x, n, in), sp.h(), sp.w(),
          sp.cin(), sp.pool());
      double[] y = RefNn.dense(pooled, 1, feat, wt.fc(), null, s);
      double[] gate = RefNn.dense(y, 1, s, wt.se(), null, s);
      for (int i = 0; i < s; i++) {
        y[i] *= RefNn.hardSigmoidDcd(gate[i]);
      }
      double[] sc = RefNn.dense(y, 1, s, wt.scale(), null, o);
      for (int c = 0; c < o; c++) {
        lambda[n * o + c] = RefNn.hardSigmoidDcd(sc[c]);
      }
      double[] ph = RefNn.dense(y, 1, s, wt.phi(), null, l * l);
      System.arraycopy(ph, 0, phi, n * l * l, l * l);
    }
  }

  /**
   * The dynamic classifier ({@code DYCls}) on pooled features {@code x [B,C]}: {@code out = P^T t
   * + lambda * (W^T x + b)}, {@code z = BN1(Q^T x)}, {@code t = BN2(Phi z) + z}, BN statistics over
   * the batch; weights W [C,U], b [U], Q [C,L], P [L,U], fc [C,S], se [S,S], scale [S,U], phi
   * [S,L*L].
   */
  public static double[] dense(double[] x, int batch, int c, int units, int latent, int squeeze,
      double[] w, double[] b, Weights wt, boolean training) {
    double[] out = new double[batch * units];
    double[] lambda = new double[batch * units];
    double[] phi = new double[batch * latent * latent];
    for (int n = 0; n < batch; n++) {
      double[] y = RefNn.dense(RefNn.row(x, n, c), 1, c, wt.fc(), null, squeeze);
      double[] gate = RefNn.dense(y, 1, squeeze, wt.se(), null, squeeze);
      for (int i = 0; i < squeeze; i++) {
        y[i] *= RefNn.hardSigmoidDcd(gate[i]);
      }
      double[] sc = RefNn.dense(y, 1, squeeze, wt.scale(), null, units);
      for (int u = 0; u < units; u++) {
        lambda[n * units + u] = RefNn.hardSigmoidDcd(sc[u]);
      }
      System.arraycopy(RefNn.dense(y, 1, squeeze, wt.phi(), null, latent * latent), 0, phi,
          n * latent * latent, latent * latent);
    }
    double[] z = RefNn.batchNorm(RefNn.dense(x, batch, c, wt.q(), null, latent), batch, latent,
        wt.bn1(), training);
    double[] u = new double[z.length];
    for (int n = 0; n < batch; n++) {
      for (int i = 0; i < latent; i++) {
        for (int j = 0; j < latent; j++) {
          u[n * latent + i] += phi[(n * latent + i) * latent + j] * z[n * latent + j];
        }
      }
    }
    double[] t = RefNn.batchNorm(u, batch, latent, wt.bn2(), training);
    for (int i = 0; i < t.length; i++) {
      t[i] += z[i];
    }
    double[] r = RefNn.dense(x, batch, c, w, b, units);
    double[] pt = RefNn.dense(t, batch, latent, wt.p(), null, units);
    for (int i = 0; i < out.length; i++) {
      out[i] = pt[i] + lambda[i] * r[i];
    }
    return out;
  }
}

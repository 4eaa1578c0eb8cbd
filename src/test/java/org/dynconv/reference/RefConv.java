package org.dynconv.reference;

/**
 * Plain-Java float64 convolutions in NHWC, written from TensorFlow's documented semantics and
 * independent of dynconv's graph code (it shares no helper with src/main).
 *
 * <p>SAME: {@code out = ceil(in/s)}, total padding {@code max((out-1)*s + (k-1)*d + 1 - in, 0)},
 * {@code floor(total/2)} before. VALID: {@code out = ceil((in - (k-1)*d) / s)}, no padding.
 */
public final class RefConv {
  private RefConv() {}

  /** Output size along one axis. */
  public static int outSize(int in, int k, int s, int d, boolean same) {
    int ext = (k - 1) * d + 1;
    return same ? (in + s - 1) / s : (in - ext + s) / s;
  }

  /** Padding before the first element along one axis. */
  public static int padBefore(int in, int k, int s, int d, boolean same) {
    if (!same) {
      return 0;
    }
    int out = outSize(in, k, s, d, true);
    int total = Math.max((out - 1) * s + (k - 1) * d + 1 - in, 0);
    return total / 2;
  }

  /**
   * One example: {@code x [H,W,Cin]}, kernel {@code [kh,kw,Cin,Cout]} (HWIO row-major), result
   * {@code [H',W',Cout]}.
   */
  public static double[] conv2d(double[] x, int h, int w, int cin, double[] k, int kh, int kw,
      int cout, int s, int d, boolean same) {
    int oh = outSize(h, kh, s, d, same), ow = outSize(w, kw, s, d, same);
    int pt = padBefore(h, kh, s, d, same), pl = padBefore(w, kw, s, d, same);
    double[] y = new double[oh * ow * cout];
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int a = 0; a < kh; a++) {
          int r = i * s - pt + a * d;
          if (r < 0 || r >= h) {
            continue;
          }
          for (int b = 0; b < kw; b++) {
            int c = j * s - pl + b * d;
            if (c < 0 || c >= w) {
              continue;
            }
            for (int ci = 0; ci < cin; ci++) {
              double xv = x[(r * w + c) * cin + ci];
              int kbase = ((a * kw + b) * cin + ci) * cout;
              int ybase = (i * ow + j) * cout;
              for (int co = 0; co < cout; co++) {
                y[ybase + co] += xv * k[kbase + co];
              }
            }
          }
        }
      }
    }
    return y;
  }

  /**
   * One example, depthwise: {@code x [H,W,C]}, kernel {@code [kh,kw,C,M]}, result {@code
   * [H',W',C*M]} with channel {@code c*M + m}.
   */
  public static double[] depthwise(double[] x, int h, int w, int c, double[] k, int kh, int kw,
      int m, int s, int d, boolean same) {
    int oh = outSize(h, kh, s, d, same), ow = outSize(w, kw, s, d, same);
    int pt = padBefore(h, kh, s, d, same), pl = padBefore(w, kw, s, d, same);
    double[] y = new double[oh * ow * c * m];
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int a = 0; a < kh; a++) {
          int r = i * s - pt + a * d;
          if (r < 0 || r >= h) {
            continue;
          }
          for (int b = 0; b < kw; b++) {
            int cc = j * s - pl + b * d;
            if (cc < 0 || cc >= w) {
              continue;
            }
            for (int ch = 0; ch < c; ch++) {
              double xv = x[(r * w + cc) * c + ch];
              for (int mm = 0; mm < m; mm++) {
                y[((i * ow + j) * c + ch) * m + mm] += xv * k[((a * kw + b) * c + ch) * m + mm];
              }
            }
          }
        }
      }
    }
    return y;
  }
}

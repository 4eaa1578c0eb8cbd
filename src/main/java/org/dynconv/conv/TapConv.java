package org.dynconv.conv;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.types.TFloat32;

/**
 * A shared kernel whose taps are weighted per example, computed without per-example kernels:
 * {@code y[b] = sum_{u,v} a[b,u,v] * conv_{u,v}(x[b]; W)}, where {@code conv_{u,v}} is the
 * contribution of tap (u, v) alone. This is ODConv's spatial attention with one kernel ({@code
 * conv(x; a[b] * W)}, a [kh,kw] weight per example shared by all channels) as batched ops: the
 * input's kh*kw shifted, strided views, each scaled by its tap weight, concatenated along the
 * channels and multiplied by the kernel reshaped to {@code [kh*kw*Cin, Cout]} in one 1x1
 * convolution (an im2col whose columns carry the attention). A depthwise kernel sums the scaled
 * views weighted by {@code W[u,v,c,m]} instead.
 *
 * <p>The views follow TensorFlow's padding rule (SAME pads {@code floor(total/2)} before), so the
 * result equals {@code conv(x[b]; a[b] * W)} with the same geometry. Gradients exist on every
 * runtime (StridedSlice, ConcatV2, Conv2D, Mul).
 */
public final class TapConv {
  private TapConv() {}

  /**
   * @param x {@code [B,H,W,Cin]}
   * @param kernel {@code [kh,kw,Cin,Cout]} (regular) or {@code [kh,kw,C,M]} (depthwise)
   * @param taps {@code [B, kh*kw]}, row-major over (u, v)
   * @param p the problem (kind, geometry, channels); dilation allowed
   */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      Operand<TFloat32> taps, ConvProblem p) {
    ConvGeometry g = p.geometry();
    int kh = g.kernelH(), kw = g.kernelW();
    int oh = p.outHeight(), ow = p.outWidth();
    Operand<TFloat32> padded = pad(tf, x, p);
    List<Operand<TFloat32>> views = new ArrayList<>(kh * kw);
    for (int u = 0; u < kh; u++) {
      for (int v = 0; v < kw; v++) {
        Operand<TFloat32> view = view(tf, padded, u * g.dilationH(), v * g.dilationW(), oh, ow, g);
        // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
        Operand<TFloat32> a = tf.reshape(tf.slice(taps, tf.constant(new int[] {0, u * kw + v}),
            tf.constant(new int[] {-1, 1})), tf.constant(new long[] {-1, 1, 1, 1}));
        views.add(tf.math.mul(view, a));
      }
    }
    long c = p.inChannels();
    if (p.kind() == ConvKind.REGULAR) {
      Operand<TFloat32> cols = tf.concat(views, tf.constant(3));
      Operand<TFloat32> w = tf.reshape(kernel,
          tf.constant(new long[] {1, 1, (long) kh * kw * c, p.kernelOut()}));
      return tf.nn.conv2d(cols, w, List.of(1L, 1L, 1L, 1L), "VALID");
    }
    // Depthwise: [B,H',W',taps,C,1] * [taps,C,M], summed over taps.
    long m = p.kernelOut();
    Operand<TFloat32> stacked = tf.reshape(tf.concat(views, tf.constant(3)),
        tf.constant(new long[] {-1, oh, ow, (long) kh * kw, c, 1}));
    Operand<TFloat32> w = tf.reshape(kernel, tf.constant(new long[] {(long) kh * kw, c, m}));
    Operand<TFloat32> summed = tf.reduceSum(tf.math.mul(stacked, w), tf.constant(3));
    return tf.reshape(summed, tf.constant(new long[] {-1, oh, ow, c * m}));
  }

  /** Pads x as the convolution would (SAME: floor(total/2) before); VALID: unchanged. */
  private static Operand<TFloat32> pad(Ops tf, Operand<TFloat32> x, ConvProblem p) {
    ConvGeometry g = p.geometry();
    if (g.padding() == Padding.VALID) {
      return x;
    }
    int th = Math.max((p.outHeight() - 1) * g.strideH() + g.effectiveKernelH() - p.height(), 0);
    int tw = Math.max((p.outWidth() - 1) * g.strideW() + g.effectiveKernelW() - p.width(), 0);
    if (th == 0 && tw == 0) {
      return x;
    }
    return tf.pad(x, tf.constant(new int[][] {{0, 0}, {th / 2, th - th / 2}, {tw / 2, tw - tw / 2},
        {0, 0}}), tf.constant(0f));
  }

  /** Rows {@code r0, r0 + s, ...} (oh of them) and the same for columns. */
  private static Operand<TFloat32> view(Ops tf, Operand<TFloat32> padded, int r0, int c0, int oh,
      int ow, ConvGeometry g) {
    int sh = g.strideH(), sw = g.strideW();
    int[] begin = {0, r0, c0, 0};
    int[] end = {0, r0 + (oh - 1) * sh + 1, c0 + (ow - 1) * sw + 1, 0};
    return tf.stridedSlice(padded, tf.constant(begin), tf.constant(end),
        tf.constant(new int[] {1, sh, sw, 1}), StridedSlice.beginMask(9L), StridedSlice.endMask(9L));
  }
}

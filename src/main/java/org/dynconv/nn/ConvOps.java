package org.dynconv.nn;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Convolution primitives with the dilation handled so that gradients are right.
 *
 * <p>TensorFlow's C++ gradient of Conv2D (the one TF Java uses) drops the {@code dilations}
 * attribute, so the gradient of a dilated Conv2D is silently wrong with SAME padding. With VALID
 * padding, the oneDNN backward pass of a dilated Conv2D or DepthwiseConv2dNative kills the JVM
 * (SIGILL). So every dilated convolution here runs undilated with a zero-stuffed kernel of extent
 * {@code (k - 1) * d + 1}: the same function, exact gradients, {@code d^2} times the
 * multiply-adds of the taps.
 */
public final class ConvOps {
  private ConvOps() {}

  /** Conv2D of {@code x [N,H,W,C]} with {@code kernel [kh,kw,C/groups,O]}, NHWC. */
  public static Operand<TFloat32> conv2d(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, ConvGeometry g) {
    Operand<TFloat32> k = g.isDilated() ? dilateKernel(tf, kernel, g) : kernel;
    return tf.nn.conv2d(x, k, strides(g), g.padding().tfName());
  }

  /** DepthwiseConv2dNative of {@code x [N,H,W,C]} with {@code kernel [kh,kw,C,M]}, NHWC. */
  public static Operand<TFloat32> depthwise(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, ConvGeometry g) {
    Operand<TFloat32> k = g.isDilated() ? dilateKernel(tf, kernel, g) : kernel;
    return tf.nn.depthwiseConv2dNative(x, k, strides(g), g.padding().tfName());
  }

  /** {@code [1, sh, sw, 1]}. */
  public static List<Long> strides(ConvGeometry g) {
    return List.of(1L, (long) g.strideH(), (long) g.strideW(), 1L);
  }

  /** The same geometry with the dilation folded into a zero-stuffed kernel of full extent. */
  public static ConvGeometry undilated(ConvGeometry g) {
    return new ConvGeometry(g.effectiveKernelH(), g.effectiveKernelW(), g.strideH(), g.strideW(),
        1, 1, g.padding());
  }

  /**
   * Inserts {@code d - 1} zero rows and columns between the taps of a static kernel {@code [kh, kw,
   * A, B]}, giving {@code [(kh-1)dh+1, (kw-1)dw+1, A, B]}.
   */
  public static Operand<TFloat32> dilateKernel(Ops tf, Operand<TFloat32> kernel, ConvGeometry g) {
    long[] s = kernel.shape().asArray();
    Operand<TFloat32> k5 = tf.reshape(kernel, tf.constant(new long[] {1, s[0], s[1], s[2], s[3]}));
    Operand<TFloat32> d5 = dilateKernels(tf, k5, g);
    return tf.reshape(d5, tf.constant(
        new long[] {g.effectiveKernelH(), g.effectiveKernelW(), s[2], s[3]}));
  }

  /**
   * Zero-stuffs per-example kernels {@code [N, kh, kw, A, B]} (N may be unknown, A and B static)
   * to {@code [N, (kh-1)dh+1, (kw-1)dw+1, A, B]}.
   */
  public static Operand<TFloat32> dilateKernels(Ops tf, Operand<TFloat32> kernels, ConvGeometry g) {
    long a = kernels.shape().size(3), b = kernels.shape().size(4);
    int kh = g.kernelH(), kw = g.kernelW(), dh = g.dilationH(), dw = g.dilationW();
    // [N,kh,1,kw,1,A*B] padded to [N,kh,dh,kw,dw,A*B]: tap (i,j) lands at row i*dh, column j*dw.
    Operand<TFloat32> k6 = tf.reshape(kernels, tf.constant(new long[] {-1, kh, 1, kw, 1, a * b}));
    Operand<TFloat32> padded = tf.pad(k6,
        tf.constant(new int[][] {{0, 0}, {0, 0}, {0, dh - 1}, {0, 0}, {0, dw - 1}, {0, 0}}),
        tf.constant(0f));
    Operand<TFloat32> spread = tf.reshape(padded,
        tf.constant(new long[] {-1, (long) kh * dh, (long) kw * dw, a, b}));
    // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
    return tf.slice(spread, tf.constant(new int[] {0, 0, 0, 0, 0}),
        tf.constant(new int[] {-1, g.effectiveKernelH(), g.effectiveKernelW(), (int) a, (int) b}));
  }
}

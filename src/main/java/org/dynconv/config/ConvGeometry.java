package org.dynconv.config;

/**
 * Kernel size, strides, dilation and padding of a 2-D convolution, plus TensorFlow's output-size
 * rule. Pure arithmetic, no TensorFlow types, so it can be checked without a graph.
 *
 * @param kernelH kernel height, >= 1
 * @param kernelW kernel width, >= 1
 * @param strideH stride along height, >= 1
 * @param strideW stride along width, >= 1
 * @param dilationH dilation along height, >= 1
 * @param dilationW dilation along width, >= 1
 * @param padding SAME or VALID, with TensorFlow's rule (see {@link Padding})
 */
public record ConvGeometry(
    int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW,
    Padding padding) {
  private static final String COMPONENT = "ConvGeometry";

  public ConvGeometry {
    Check.positive(COMPONENT, "kernelH", kernelH);
    Check.positive(COMPONENT, "kernelW", kernelW);
    Check.positive(COMPONENT, "strideH", strideH);
    Check.positive(COMPONENT, "strideW", strideW);
    Check.positive(COMPONENT, "dilationH", dilationH);
    Check.positive(COMPONENT, "dilationW", dilationW);
    Check.notNull(COMPONENT, "padding", padding);
  }

  /** A square kernel with the same stride and dilation on both axes. */
  public static ConvGeometry square(int kernel, int stride, int dilation, Padding padding) {
    return new ConvGeometry(kernel, kernel, stride, stride, dilation, dilation, padding);
  }

  /** A square {@code kernel}, stride 1, dilation 1, SAME padding; refine with the withers. */
  public static ConvGeometry of(int kernel) {
    return square(kernel, 1, 1, Padding.SAME);
  }

  public ConvGeometry withStride(int stride) {
    return new ConvGeometry(kernelH, kernelW, stride, stride, dilationH, dilationW, padding);
  }

  public ConvGeometry withDilation(int dilation) {
    return new ConvGeometry(kernelH, kernelW, strideH, strideW, dilation, dilation, padding);
  }

  public ConvGeometry withPadding(Padding newPadding) {
    return new ConvGeometry(kernelH, kernelW, strideH, strideW, dilationH, dilationW, newPadding);
  }

  /** {@code (k - 1) * dilation + 1}: the extent a dilated kernel covers. */
  public int effectiveKernelH() {
    return (kernelH - 1) * dilationH + 1;
  }

  /** {@code (k - 1) * dilation + 1}: the extent a dilated kernel covers. */
  public int effectiveKernelW() {
    return (kernelW - 1) * dilationW + 1;
  }

  public boolean isPointwise() {
    return kernelH == 1 && kernelW == 1;
  }

  public boolean isDilated() {
    return dilationH > 1 || dilationW > 1;
  }

  /** The output height for an input of height {@code in}; throws if it would be empty. */
  public int outputHeight(int in) {
    return outputSize(in, effectiveKernelH(), strideH, "height");
  }

  /** The output width for an input of width {@code in}; throws if it would be empty. */
  public int outputWidth(int in) {
    return outputSize(in, effectiveKernelW(), strideW, "width");
  }

  /** Padding added before the first row (SAME) or 0 (VALID). */
  public int padTop(int in) {
    return padBefore(in, effectiveKernelH(), strideH);
  }

  /** Padding added before the first column (SAME) or 0 (VALID). */
  public int padLeft(int in) {
    return padBefore(in, effectiveKernelW(), strideW);
  }

  /**
   * Where output row i's window has its centre tap: input row {@code i * strideH +
   * centreOffsetH(in)}. 0 for PyTorch-style symmetric padding; TensorFlow's SAME pads (0, 1) for a
   * 3x3 stride-2 kernel on even inputs, which moves the centre to {@code 2i + 1}. Odd kernels
   * only.
   */
  public int centreOffsetH(int in) {
    return (effectiveKernelH() - 1) / 2 - padTop(in);
  }

  /** As {@link #centreOffsetH} along the width. */
  public int centreOffsetW(int in) {
    return (effectiveKernelW() - 1) / 2 - padLeft(in);
  }

  private int padBefore(int in, int effectiveKernel, int stride) {
    if (padding == Padding.VALID) {
      return 0;
    }
    int out = ceilDiv(in, stride);
    int total = Math.max((out - 1) * stride + effectiveKernel - in, 0);
    return total / 2;
  }

  private int outputSize(int in, int effectiveKernel, int stride, String axis) {
    int out =
        padding == Padding.SAME ? ceilDiv(in, stride) : ceilDiv(in - effectiveKernel + 1, stride);
    if (in < 1 || out < 1) {
      throw new IllegalArgumentException(
          COMPONENT + ": input " + axis + "=" + in + " gives an empty output with kernel extent "
              + effectiveKernel + ", stride " + stride + " and padding " + padding
              + "; expected an input " + axis + " >= " + (padding == Padding.SAME ? 1 : effectiveKernel)
              + ".");
    }
    return out;
  }

  private static int ceilDiv(int a, int b) {
    return a <= 0 ? 0 : (a + b - 1) / b;
  }

  @Override
  public String toString() {
    return "k" + kernelH + "x" + kernelW + " s" + strideH + "x" + strideW + " d" + dilationH + "x"
        + dilationW + " " + padding;
  }
}

package org.dynconv.conv;

import org.dynconv.config.ConvGeometry;

/**
 * One per-example convolution: input {@code [batch, height, width, inChannels]} (batch -1 when
 * unknown at graph-build time), per-example kernels of {@link #kernelShape()}, output {@code
 * [batch, outHeight, outWidth, outChannels]}.
 *
 * @param kind regular or depthwise
 * @param batch static batch size, or -1
 * @param height input height
 * @param width input width
 * @param inChannels input channels
 * @param kernelOut Cout for REGULAR, the multiplier M for DEPTHWISE
 * @param geometry kernel, strides, dilation, padding
 */
public record ConvProblem(
    ConvKind kind, long batch, int height, int width, int inChannels, int kernelOut,
    ConvGeometry geometry) {

  /** One example's kernel shape: {@code [kh,kw,Cin,Cout]} or {@code [kh,kw,C,M]}. */
  public long[] kernelShape() {
    return new long[] {geometry.kernelH(), geometry.kernelW(), inChannels, kernelOut};
  }

  public int outChannels() {
    return kind == ConvKind.REGULAR ? kernelOut : inChannels * kernelOut;
  }

  public int outHeight() {
    return geometry.outputHeight(height);
  }

  public int outWidth() {
    return geometry.outputWidth(width);
  }

  public boolean staticBatch() {
    return batch >= 0;
  }

  /** Multiply-adds of the convolution itself, per example. */
  public long convMacs() {
    // kh*kw*Cin*Cout for a regular conv, kh*kw*C*M for a depthwise one.
    long perPosition = (long) geometry.kernelH() * geometry.kernelW() * inChannels * kernelOut;
    return (long) outHeight() * outWidth() * perPosition;
  }
}

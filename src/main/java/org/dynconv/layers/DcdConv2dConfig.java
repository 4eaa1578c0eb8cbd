package org.dynconv.layers;

import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.nn.BatchNormConfig;

/**
 * Configuration of a {@link DcdConv2d}: the static convolution's filters and geometry, and the
 * dynamic branch's sizes. The static factories apply the official code's rules for the latent
 * size L and the squeeze width S (liyunsheng13/dcd, {@code models/imagenet}).
 *
 * @param filters output channels O, >= 1
 * @param geometry the static convolution's kernel (odd sizes: the 1x1 latent branch samples the
 *     kernel's centre tap), strides, dilation and padding
 * @param latent L, the width of the dynamic channel fusion, 1..256
 * @param squeeze S, the width of the branch's hidden layer, >= 1
 * @param poolBins the branch pools the input to {@code poolBins x poolBins}: 1 (global average)
 *     or 2 (PyTorch's 2x2 adaptive pool)
 * @param batchNorm the two BatchNorms of the latent path (after Q and after Phi)
 */
public record DcdConv2dConfig(int filters, ConvGeometry geometry, int latent, int squeeze,
    int poolBins, BatchNormConfig batchNorm) {
  private static final String C = "DcdConv2dConfig";
  /** The largest latent size accepted; the official models use at most 45. */
  public static final int MAX_LATENT = 256;

  public DcdConv2dConfig {
    Check.positive(C, "filters", filters);
    Check.notNull(C, "geometry", geometry);
    if (geometry.kernelH() % 2 == 0 || geometry.kernelW() % 2 == 0) {
      throw Check.invalid(C, "geometry", geometry, "odd kernel sizes (the latent 1x1 branch"
          + " samples the kernel's centre tap)");
    }
    Check.inRange(C, "latent", latent, 1, MAX_LATENT);
    Check.positive(C, "squeeze", squeeze);
    Check.inRange(C, "poolBins", poolBins, 1, 2);
    Check.notNull(C, "batchNorm", batchNorm);
  }

  /** PyTorch's BatchNorm defaults: momentum 0.9 (PyTorch's 0.1), epsilon 1e-5. */
  public static BatchNormConfig pytorchBatchNorm() {
    return new BatchNormConfig(0.9, 1e-5);
  }

  /**
   * The ResNet bottleneck rule ({@code conv_dy}): global pool, {@code L = floor(sqrt(C))}, {@code S
   * = max(C, L^2) / 16}, here at least 4 (the official bottleneck rule has no minimum, which leaves
   * no hidden units below 16 input channels; its other rules use 4).
   */
  public static DcdConv2dConfig resnetBottleneck(int filters, ConvGeometry geometry, int inChannels) {
    Check.positive(C, "inChannels", inChannels);
    int l = (int) Math.floor(Math.sqrt(inChannels));
    int s = Math.max(4, Math.max(inChannels, l * l) / 16);
    return new DcdConv2dConfig(filters, geometry, l, s, 1, pytorchBatchNorm());
  }

  /**
   * The ResNet basic-block rule ({@code conv_basic_dy}, R18/R34): 2x2 pool, {@code L =
   * floor(sqrt(4C))}, {@code S = max(4C, L^2) / 16}, at least 4.
   */
  public static DcdConv2dConfig resnetBasic(int filters, ConvGeometry geometry, int inChannels) {
    Check.positive(C, "inChannels", inChannels);
    int l = (int) Math.floor(Math.sqrt(4.0 * inChannels));
    int s = Math.max(4, Math.max(4 * inChannels, l * l) / 16);
    return new DcdConv2dConfig(filters, geometry, l, s, 2, pytorchBatchNorm());
  }

  /**
   * The MobileNetV2 rule ({@code DYModule}, 1x1 convolutions): expanding layers ({@code C < O})
   * pool 2x2 ({@code mul = 4}, {@code r = 8}), others pool globally ({@code mul = 1}, {@code r =
   * 2}); {@code L = min(mul*C / r, O / r)}, r doubled while {@code L^2 > 2*mul*C}, then at least
   * 4; {@code S = max(mul*C, L^2) / fcSqueeze}, at least 4.
   *
   * @param fcSqueeze 8 in the code's default, 16 in its README's training commands
   */
  public static DcdConv2dConfig mobileNetV2(int filters, int inChannels, int fcSqueeze) {
    Check.positive(C, "inChannels", inChannels);
    Check.positive(C, "filters", filters);
    Check.positive(C, "fcSqueeze", fcSqueeze);
    boolean expanding = inChannels < filters;
    int mul = expanding ? 4 : 1;
    int r = expanding ? 8 : 2;
    int l = Math.min(mul * inChannels / r, filters / r);
    while ((long) l * l > 2L * mul * inChannels) {
      r *= 2;
      l = Math.min(mul * inChannels / r, filters / r);
    }
    l = Math.max(l, 4);
    int s = Math.max(4, Math.max(mul * inChannels, l * l) / fcSqueeze);
    return new DcdConv2dConfig(filters, ConvGeometry.of(1), l, s, expanding ? 2 : 1,
        pytorchBatchNorm());
  }

  public DcdConv2dConfig withBatchNorm(BatchNormConfig bn) {
    return new DcdConv2dConfig(filters, geometry, latent, squeeze, poolBins, bn);
  }

  public DcdConv2dConfig withLatent(int l) {
    return new DcdConv2dConfig(filters, geometry, l, squeeze, poolBins, batchNorm);
  }

  public DcdConv2dConfig withSqueeze(int s) {
    return new DcdConv2dConfig(filters, geometry, latent, s, poolBins, batchNorm);
  }

  public DcdConv2dConfig withPoolBins(int p) {
    return new DcdConv2dConfig(filters, geometry, latent, squeeze, p, batchNorm);
  }
}

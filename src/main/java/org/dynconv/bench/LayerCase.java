package org.dynconv.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.blocks.BlockArgs;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.models.EfficientNet;

/**
 * A conditional layer shape of efficientnet-condconv-b0 at 224x224: the expand (1x1), depthwise
 * (3x3 or 5x5) and project (1x1) convs of its CondConv blocks 8 to 15, without repeats.
 *
 * @param name e.g. {@code expand 112->672 14x14}
 * @param kernelOut Cout, or the depth multiplier (1) for depthwise
 */
public record LayerCase(String name, ConvKind kind, int size, int inChannels, int kernelOut,
    ConvGeometry geometry) {

  /** The distinct CondConv layer shapes of the model, in block order. */
  public static List<LayerCase> efficientnetCondconvB0() {
    EfficientNet net = EfficientNet.condconvB0(8, 1.0);
    Map<String, LayerCase> out = new LinkedHashMap<>();
    int size = (net.resolution() + 1) / 2;
    for (BlockArgs a : net.expandedBlocks()) {
      int in = a.inputFilters(), mid = in * a.expandRatio(), outSize = (size + a.stride() - 1) / a.stride();
      if (a.condconv()) {
        List<LayerCase> cases = new ArrayList<>();
        if (a.expandRatio() != 1) {
          cases.add(new LayerCase(String.format("expand %d->%d %dx%d", in, mid, size, size),
              ConvKind.REGULAR, size, in, mid, ConvGeometry.of(1)));
        }
        cases.add(new LayerCase(String.format("depthwise %dx%d s%d %d %dx%d", a.kernelSize(),
            a.kernelSize(), a.stride(), mid, size, size), ConvKind.DEPTHWISE, size, mid, 1,
            ConvGeometry.of(a.kernelSize()).withStride(a.stride())));
        cases.add(new LayerCase(String.format("project %d->%d %dx%d", mid, a.outputFilters(),
            outSize, outSize), ConvKind.REGULAR, outSize, mid, a.outputFilters(), ConvGeometry.of(1)));
        cases.forEach(c -> out.putIfAbsent(c.name(), c));
      }
      size = outSize;
    }
    return new ArrayList<>(out.values());
  }

  /** The 3x3 convs of the small CNN's conditional blocks (28x28 input). */
  public static List<LayerCase> smallCnn() {
    return List.of(
        new LayerCase("small-cnn 3x3 s2 32->64 28x28", ConvKind.REGULAR, 28, 32, 64,
            ConvGeometry.of(3).withStride(2)),
        new LayerCase("small-cnn 3x3 64->64 14x14", ConvKind.REGULAR, 14, 64, 64, ConvGeometry.of(3)),
        new LayerCase("small-cnn 3x3 s2 64->128 14x14", ConvKind.REGULAR, 14, 64, 128,
            ConvGeometry.of(3).withStride(2)),
        new LayerCase("small-cnn 3x3 128->128 7x7", ConvKind.REGULAR, 7, 128, 128, ConvGeometry.of(3)));
  }

  /** The layer kind as {@link org.dynconv.conv.AutoTable} names it. */
  public String kindKey() {
    return geometry.isPointwise() && kind == ConvKind.REGULAR ? "pointwise"
        : kind == ConvKind.DEPTHWISE ? "depthwise" : "regular";
  }

  /** Weights of the static convolution: {@code kh*kw*Cin*Cout}, or {@code kh*kw*C} depthwise. */
  public long kernelParams() {
    return (long) geometry.kernelH() * geometry.kernelW() * inChannels
        * (kind == ConvKind.DEPTHWISE ? 1 : kernelOut);
  }

  /** Multiply-adds of the convolution per example. */
  public long convMacs() {
    int o = geometry.outputHeight(size);
    return (long) o * o * geometry.kernelH() * geometry.kernelW() * inChannels * kernelOut;
  }
}

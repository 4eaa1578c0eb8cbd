package org.dynconv.conv.kernels;

import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.ConvKind;
import org.dynconv.nn.BatchMatMul;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;
import org.tensorflow.types.TFloat32;

/** Graph builders for the kernel library's ops; each loads the library first. */
public final class KernelOps {
  private KernelOps() {}

  /**
   * {@code DynconvProbeSquare}: {@code y = x * x} elementwise, any shape. The library's probe: it
   * shows that the library loads, runs in graphs and SavedModels and is differentiated through its
   * Java gradient ({@code dy/dx = 2x}).
   *
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static Operand<TFloat32> probeSquare(Ops tf, Operand<TFloat32> x) {
    requireLoaded("DynconvProbeSquare");
    return tf.scope().opBuilder("DynconvProbeSquare", "ProbeSquare").addInput(x.asOutput()).build()
        .output(0);
  }

  /**
   * {@code DynconvPerExampleConv2D}: each example convolved with its own kernel, {@code y[b] =
   * conv(x[b], w[b])} (TensorFlow's padding rule), on the library's CPU kernel; differentiable
   * (its gradient is {@code DynconvPerExampleConv2DGrad}, registered in Java).
   *
   * @param x {@code [B, H, W, C]}, H, W and C static
   * @param w {@code [B, KH, KW, C, Cout]} (REGULAR) or {@code [B, KH, KW, C, M]} (DEPTHWISE)
   * @param threads threads of the kernel (0: every CPU of the machine)
   * @return {@code [B, OH, OW, Cout]} ({@code Cout = C * M} for DEPTHWISE), its shape static but
   *     for the batch when x's is unknown
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static Operand<TFloat32> perExampleConv2d(Ops tf, Operand<TFloat32> x,
      Operand<TFloat32> w, ConvKind kind, ConvGeometry geometry, int threads) {
    requireLoaded("DynconvPerExampleConv2D");
    Shape xs = x.shape(), ws = w.shape();
    if (xs.numDimensions() != 4 || ws.numDimensions() != 5 || xs.size(1) < 0 || xs.size(2) < 0
        || xs.size(3) < 0 || ws.size(4) < 0) {
      throw new IllegalArgumentException("KernelOps.perExampleConv2d: x has shape " + xs
          + " and w " + ws + "; expected x [B, H, W, C] with H, W and C known, and w [B, "
          + geometry.kernelH() + ", " + geometry.kernelW() + ", C, N] with N known");
    }
    long out = kind == ConvKind.REGULAR ? ws.size(4) : xs.size(3) * ws.size(4);
    Scope s = tf.scope();
    GraphOperation op = (GraphOperation) attrs(s.opBuilder("DynconvPerExampleConv2D",
        "PerExampleConv2D"), kind, geometry, threads).addInput(x.asOutput())
        .addInput(w.asOutput()).build();
    Operand<TFloat32> y = op.output(0);
    // The op's shape function cannot read int attributes, so the output's static shape is stated
    // here; Reshape (not EnsureShape, which TF Java cannot differentiate) costs no copy.
    return tf.reshape(y, tf.constant(new long[] {xs.size(0) < 0 ? -1 : xs.size(0),
        geometry.outputHeight((int) xs.size(1)), geometry.outputWidth((int) xs.size(2)), out}));
  }

  /**
   * {@code DynconvMixedConv2D}: each example convolved with its own kernel mixed from an expert
   * bank inside the library's loops, {@code y[b] = conv(x[b], sum_e routing[b, e] bank[e])}
   * (TensorFlow's padding rule), with no per-example kernel written to memory. Regular kernels
   * only; differentiable (its gradient is {@code DynconvMixedConv2DGrad}, which also mixes inside
   * its loops, registered in Java).
   *
   * @param x {@code [B, H, W, C]}, H, W and C static
   * @param routing {@code [B, E]}
   * @param bank {@code [E, P]}, row e expert e's kernel {@code [KH, KW, C, N]} flattened row-major
   *     (Google CondConv's layout)
   * @param kernelShape {@code {KH, KW, C, N}}
   * @param threads threads of the kernel (0: every CPU of the machine)
   * @return {@code [B, OH, OW, N]}, its shape static but for the batch when x's is unknown
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static Operand<TFloat32> mixedConv2d(Ops tf, Operand<TFloat32> x,
      Operand<TFloat32> routing, Operand<TFloat32> bank, long[] kernelShape, ConvGeometry geometry,
      int threads) {
    requireLoaded("DynconvMixedConv2D");
    Shape xs = x.shape();
    if (xs.numDimensions() != 4 || xs.size(1) < 0 || xs.size(2) < 0 || xs.size(3) != kernelShape[2]
        || kernelShape[0] != geometry.kernelH() || kernelShape[1] != geometry.kernelW()) {
      throw new IllegalArgumentException("KernelOps.mixedConv2d: x has shape " + xs
          + " and the kernels " + Shape.of(kernelShape) + "; expected x [B, H, W, C] with H and W"
          + " known, and kernels [" + geometry.kernelH() + ", " + geometry.kernelW() + ", C, N]");
    }
    Scope s = tf.scope();
    GraphOperation op = (GraphOperation) attrs(s.opBuilder("DynconvMixedConv2D", "MixedConv2D"),
        ConvKind.REGULAR, geometry, threads).setAttr("kernel_h", kernelShape[0])
        .setAttr("kernel_w", kernelShape[1]).setAttr("in_channels", kernelShape[2])
        .setAttr("out_channels", kernelShape[3]).addInput(x.asOutput())
        .addInput(routing.asOutput()).addInput(bank.asOutput()).build();
    Operand<TFloat32> y = op.output(0);
    // As for perExampleConv2d: the output's static shape is stated here, at no copy.
    return tf.reshape(y, tf.constant(new long[] {xs.size(0) < 0 ? -1 : xs.size(0),
        geometry.outputHeight((int) xs.size(1)), geometry.outputWidth((int) xs.size(2)),
        kernelShape[3]}));
  }

  /**
   * {@code x k} ({@code x [B, N, Cin]}, {@code k [B, Cin, Cout]}) as BatchMatMulV2 of x and k with
   * their gradient stopped, passed through {@code DynconvBatchMatMulRoute(product, x, k)}, so that
   * the product's gradient is the route's: {@code dx = dy k^T} and {@code dk = x^T dy} as
   * BatchMatMulV2 products, which oneDNN runs, in place of TensorFlow's C++ gradient of
   * BatchMatMulV2, which builds BatchMatMulV3 and which oneDNN does not run.
   *
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static Operand<TFloat32> batchMatMulRouted(Ops tf, Operand<TFloat32> x,
      Operand<TFloat32> k) {
    requireLoaded("DynconvBatchMatMulRoute");
    Operand<TFloat32> product = BatchMatMul.of(tf, tf.stopGradient(x), tf.stopGradient(k));
    return tf.scope().opBuilder("DynconvBatchMatMulRoute", "BatchMatMulRoute")
        .addInput(product.asOutput()).addInput(x.asOutput()).addInput(k.asOutput()).build()
        .output(0);
  }

  /**
   * {@code x} and its mean over H and W ({@link GlobalAvgPool} of x with its gradient stopped),
   * both passed through {@code DynconvMeanRoute(x, pooled)}, so that the gradient reaching x is
   * the route's: {@code dx = dx_out + dpooled_out / (H W)}, broadcast over H and W, as one addition
   * (TensorFlow's own gradient of the mean writes the broadcast out, divides it, and adds it with
   * AddN).
   *
   * @param x {@code [B, H, W, C]}, H and W static
   * @return the op; output 0 is x, output 1 its mean {@code [B, C]}
   * @throws IllegalStateException when the library is not loaded, with the reason
   */
  public static GraphOperation meanRouted(Ops tf, Operand<TFloat32> x) {
    requireLoaded("DynconvMeanRoute");
    Shape xs = x.shape();
    if (xs.numDimensions() != 4 || xs.size(1) < 0 || xs.size(2) < 0) {
      throw new IllegalArgumentException("KernelOps.meanRoute: x has shape " + xs
          + "; expected [B, H, W, C] with H and W known");
    }
    Operand<TFloat32> pooled = GlobalAvgPool.apply(tf, tf.stopGradient(x));
    return (GraphOperation) tf.scope().opBuilder("DynconvMeanRoute", "MeanRoute")
        .setAttr("pixels", xs.size(1) * xs.size(2)).addInput(x.asOutput())
        .addInput(pooled.asOutput()).build();
  }

  /**
   * {@code DynconvPerExampleConv2DGrad(x, w, dy) -> (dx, dw)} for the forward op {@code forward},
   * with its attributes: both gradients from one op.
   */
  static org.tensorflow.Operation perExampleConv2dGrad(Ops tf, GraphOperation forward,
      Operand<?> dy) {
    return gradientOf(tf, "DynconvPerExampleConv2DGrad", "PerExampleConv2DGrad", INT_ATTRS,
        forward, dy);
  }

  /**
   * {@code DynconvMixedConv2DGrad(x, routing, bank, dy) -> (dx, drouting, dbank)} for the mixed
   * forward op {@code forward}, with its attributes: with {@code dw[b]} the gradient of example
   * b's kernel, {@code drouting[b, e] = <dw[b], bank[e]>} and {@code dbank[e] = sum_b routing[b, e]
   * dw[b]}, computed without writing any {@code dw[b]} out.
   */
  static org.tensorflow.Operation mixedConv2dGrad(Ops tf, GraphOperation forward, Operand<?> dy) {
    return gradientOf(tf, "DynconvMixedConv2DGrad", "MixedConv2DGrad", MIXED_INT_ATTRS, forward,
        dy);
  }

  /**
   * Gradient op {@code type} of {@code forward}: its inputs, then {@code dy}; its int attributes
   * {@code ints}, padding and depthwise copied from {@code forward}. Copied, not derived from the
   * inputs' shapes: reading a shape while TF Java builds gradients would wait for ever on the
   * graph's lock.
   */
  private static org.tensorflow.Operation gradientOf(Ops tf, String type, String name,
      String[] ints, GraphOperation forward, Operand<?> dy) {
    org.tensorflow.OperationBuilder b = tf.scope().opBuilder(type, name);
    for (String a : ints) {
      b.setAttr(a, forward.attributes().getAttrInt(a));
    }
    b.setAttr("padding", forward.attributes().getAttrString("padding"));
    b.setAttr("depthwise", forward.attributes().getAttrBool("depthwise"));
    for (int i = 0; i < forward.numInputs(); i++) {
      b.addInput(forward.input(i));
    }
    return b.addInput(dy.asOutput()).build();
  }

  /** The int attributes of the per-example ops, and those the mixed ones add. */
  private static final String[] INT_ATTRS = {"stride_h", "stride_w", "dilation_h", "dilation_w",
      "threads"};
  private static final String[] MIXED_INT_ATTRS = {"stride_h", "stride_w", "dilation_h",
      "dilation_w", "threads", "kernel_h", "kernel_w", "in_channels", "out_channels"};

  /** Sets the attributes both per-example ops share. */
  static org.tensorflow.OperationBuilder attrs(org.tensorflow.OperationBuilder b, ConvKind kind,
      ConvGeometry g, int threads) {
    return b.setAttr("stride_h", g.strideH()).setAttr("stride_w", g.strideW())
        .setAttr("dilation_h", g.dilationH()).setAttr("dilation_w", g.dilationW())
        .setAttr("padding", g.padding() == Padding.SAME ? "SAME" : "VALID")
        .setAttr("depthwise", kind == ConvKind.DEPTHWISE).setAttr("threads", threads);
  }

  private static void requireLoaded(String op) {
    KernelLibrary.Status s = KernelLibrary.status();
    if (!s.loaded()) {
      throw new IllegalStateException("KernelOps: op " + op + " needs dynconv's kernel library, and "
          + s.describe());
    }
  }
}

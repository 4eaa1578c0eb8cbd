package org.dynconv.conv;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.conv.kernels.KernelOps;
import org.dynconv.nn.BatchMatMul;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.types.TFloat32;

/**
 * 1x1 kernels as a batched matrix product: {@code [B,H'W',Cin] x [B,Cin,Cout]}; a depthwise 1x1
 * is an elementwise product with {@code [B,1,1,C,M]}. With stride s, SAME and VALID both sample
 * rows and columns 0, s, 2s, ... so the input is strided first. No grouped conv, any batch,
 * gradients everywhere.
 *
 * <p>With a static batch above the chunk size ({@link #CHUNK} unless built with {@link
 * #withChunk}) the batch is processed in chunks, mixing each chunk's kernels just before its
 * product: the mixed kernels (B times Cin*Cout floats, up to 28 MB at batch 32) then stay in cache
 * instead of going through memory. {@code bench --suite chunk} measures the chunk sizes against
 * each other and the static convolution (src/site/markdown/results/performance.md). The strategy
 * AUTO uses does not chunk a batch whose mixed kernels take at most {@link #UNCHUNKED_BYTES}: they
 * fit in cache whole, and chunks would only add their splits, small products and concat.
 */
public final class BatchedMatMulConv implements PerExampleConv {
  /** The chunk size the BATCHED_MATMUL strategy uses. */
  public static final int CHUNK = 8;

  /**
   * Mixed kernels of a whole batch up to this many bytes are made at once (AUTO's instance): 8 MB,
   * about what one chunk of 8 holds for EfficientNet-B0's largest 1x1 layers.
   */
  public static final long UNCHUNKED_BYTES = 8L << 20;

  private final int chunk;
  private final long unchunkedBytes;
  private final boolean routeGradient;

  BatchedMatMulConv() {
    this(CHUNK, UNCHUNKED_BYTES, false);
  }

  private BatchedMatMulConv(int chunk, long unchunkedBytes, boolean routeGradient) {
    if (chunk < 1) {
      throw new IllegalArgumentException(
          "BatchedMatMulConv: chunk must be at least 1 example, got " + chunk + ".");
    }
    this.chunk = chunk;
    this.unchunkedBytes = unchunkedBytes;
    this.routeGradient = routeGradient;
  }

  /**
   * AUTO's instance for training graphs in a process with the kernel library loaded: each regular
   * product's gradient goes through {@link KernelOps#batchMatMulRouted}, so that it is built from
   * BatchMatMulV2 products that oneDNN runs. The forward ops and the numbers are the same.
   */
  static BatchedMatMulConv routingGradients() {
    return new BatchedMatMulConv(CHUNK, UNCHUNKED_BYTES, true);
  }

  /**
   * The strategy with chunks of {@code chunk} examples whatever the kernels' size (a chunk at least
   * the batch mixes the whole batch at once); for benchmarks that compare chunk sizes.
   */
  public static BatchedMatMulConv withChunk(int chunk) {
    return new BatchedMatMulConv(chunk, 0, false);
  }

  @Override
  public Strategy strategy() {
    return Strategy.BATCHED_MATMUL;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    return p.geometry().isPointwise() ? null : "it needs a 1x1 kernel, got " + p.geometry();
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    Operand<TFloat32> xs = x;
    int sh = p.geometry().strideH(), sw = p.geometry().strideW();
    if (sh > 1 || sw > 1) {
      // int32 indices: StridedSlice's C++ gradient mixes them with int32 shapes.
      xs = tf.stridedSlice(x, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {0, 0, 0, 0}),
          tf.constant(new int[] {1, sh, sw, 1}), StridedSlice.beginMask(15L), StridedSlice.endMask(15L));
    }
    long mixedBytes = p.batch() * p.inChannels() * p.kernelOut() * Float.BYTES;
    if (!p.staticBatch() || p.batch() <= chunk || mixedBytes <= unchunkedBytes) {
      return product(tf, xs, source.kernels(tf, routing), p);
    }
    int b = (int) p.batch(), n = (b + chunk - 1) / chunk;
    long[] sizes = new long[n];
    for (int i = 0; i < n; i++) {
      sizes[i] = Math.min(chunk, b - i * chunk);
    }
    SplitV<TFloat32> xc = tf.splitV(xs, tf.constant(sizes), tf.constant(0), (long) n);
    SplitV<TFloat32> rc = tf.splitV(routing, tf.constant(sizes), tf.constant(0), (long) n);
    List<Operand<TFloat32>> outs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      outs.add(product(tf, xc.output().get(i), source.kernels(tf, rc.output().get(i)), p));
    }
    return tf.concat(outs, tf.constant(0));
  }

  private Operand<TFloat32> product(Ops tf, Operand<TFloat32> xs, Operand<TFloat32> kernels,
      ConvProblem p) {
    long oh = p.outHeight(), ow = p.outWidth();
    if (p.kind() == ConvKind.DEPTHWISE) {
      long c = p.inChannels(), m = p.kernelOut();
      Operand<TFloat32> x5 = tf.reshape(xs, tf.constant(new long[] {-1, oh, ow, c, 1}));
      Operand<TFloat32> k5 = tf.reshape(kernels, tf.constant(new long[] {-1, 1, 1, c, m}));
      return tf.reshape(tf.math.mul(x5, k5), tf.constant(new long[] {-1, oh, ow, c * m}));
    }
    Operand<TFloat32> x3 = tf.reshape(xs, tf.constant(new long[] {-1, oh * ow, p.inChannels()}));
    Operand<TFloat32> k3 =
        tf.reshape(kernels, tf.constant(new long[] {-1, p.inChannels(), p.kernelOut()}));
    // BatchMatMulV2: the typed wrapper's V3 runs 1.6 times slower here (see nn.BatchMatMul).
    Operand<TFloat32> y = routeGradient
        ? KernelOps.batchMatMulRouted(tf, x3, k3)
        : BatchMatMul.of(tf, x3, k3);
    return tf.reshape(y, tf.constant(new long[] {-1, oh, ow, p.kernelOut()}));
  }
}

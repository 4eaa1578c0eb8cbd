package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.ConvProblem;
import org.dynconv.conv.KernelSource;
import org.dynconv.conv.PerExampleConv;
import org.dynconv.conv.Strategy;
import org.dynconv.conv.StrategySelector;
import org.dynconv.conv.TapConv;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.nn.ConvOps;
import org.dynconv.routing.OdAttention;
import org.dynconv.routing.PooledInput;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The forward pass ODConv's regular and depthwise layers share (the official {@code
 * ODConv2d._forward_impl_common} and {@code _forward_impl_pw1x}):
 *
 * <pre>
 * x~  = x * channel                          input-channel attention on the features
 * y   = conv(x~; spatial * sum_i kernel_i W_i)
 * out = y * filter                           output-channel attention on the features
 * </pre>
 *
 * How {@code y} is computed depends on what is dynamic in the kernel: a 1x1 kernel with n = 1 is
 * a plain convolution of {@code x~}; a k x k kernel with n = 1 only reweights taps and runs as
 * TAPS ({@link TapConv}, no per-example kernel) or through a per-example strategy; n > 1 mixes
 * a kernel per example ({@code spatial} factors out of the sum because it is shared by the n
 * kernels) and runs through the per-example strategies, AUTO included.
 */
final class OdCore {
  private final String layer;
  private final LayerScope scope;
  private final ConvKind kind;
  private final ConvGeometry geometry;
  private final int inChannels;
  private final int kernelOut;
  private final int numKernels;
  private final ExpertBank bank;
  private final OdAttention attention;
  private final Strategy strategy;

  OdCore(String layer, LayerScope scope, ConvKind kind, ConvGeometry geometry, int inChannels,
      int kernelOut, int numKernels, ExpertBank bank, OdAttention attention, Strategy strategy) {
    this.layer = layer;
    this.scope = scope;
    this.kind = kind;
    this.geometry = geometry;
    this.inChannels = inChannels;
    this.kernelOut = kernelOut;
    this.numKernels = numKernels;
    this.bank = bank;
    this.attention = attention;
    this.strategy = strategy;
  }

  /** Rejects TAPS where it cannot apply (n > 1, or a 1x1 kernel, which needs no strategy). */
  static void checkStrategy(String component, Strategy s, ConvGeometry g, int numKernels) {
    if (s == Strategy.TAPS && (numKernels > 1 || g.isPointwise())) {
      throw Check.invalid(component, "strategy", s, "TAPS only with numKernels=1 and a k x k"
          + " kernel (received numKernels=" + numKernels + ", kernel " + g.kernelH() + "x"
          + g.kernelW() + "); otherwise AUTO or a per-example strategy");
    }
  }

  OdOutput forward(Operand<TFloat32> x, Mode mode) {
    long[] nhwc = Shapes.requireNhwc(layer, scope, x);
    Shapes.requireChannels(layer, scope, nhwc, inChannels);
    ConvProblem dilated = problem(nhwc, geometry);
    Ops tf = scope.ops();
    PooledInput in = attention.pool(x, mode);
    OdAttention.Weights a = attention.applyPooled(in.pooled(), mode);
    Operand<TFloat32> xs = tf.math.mul(in.x(), tf.reshape(a.channel(),
        tf.constant(new long[] {-1, 1, 1, inChannels})));
    Operand<TFloat32> y;
    Path path = path(dilated, mode);
    if (path == Path.PLAIN) {
      Operand<TFloat32> k = tf.reshape(bank.kernel().read(), tf.constant(
          new long[] {geometry.kernelH(), geometry.kernelW(), inChannels, kernelOut}));
      y = kind == ConvKind.REGULAR ? ConvOps.conv2d(tf, xs, k, geometry)
          : ConvOps.depthwise(tf, xs, k, geometry);
    } else if (path == Path.TAPS) {
      Operand<TFloat32> k = tf.reshape(bank.kernel().read(), tf.constant(
          new long[] {geometry.kernelH(), geometry.kernelW(), inChannels, kernelOut}));
      y = TapConv.apply(tf, xs, k, a.spatial(), dilated);
    } else {
      ConvProblem p = problem(nhwc, geometry.isDilated() ? ConvOps.undilated(geometry) : geometry);
      List<Operand<TFloat32>> parts = new ArrayList<>();
      if (a.kernel() != null) {
        parts.add(a.kernel());
      }
      if (a.spatial() != null) {
        parts.add(a.spatial());
      }
      Operand<TFloat32> routing = parts.size() == 1 ? parts.get(0)
          : tf.concat(parts, tf.constant(1));
      PerExampleConv impl = StrategySelector.resolve(owner(), strategy, p, mode);
      y = impl.apply(tf, xs, routing, kernelSource(p), p);
    }
    if (a.filter() != null) {
      y = tf.math.mul(y, tf.reshape(a.filter(), tf.constant(new long[] {-1, 1, 1,
          dilated.outChannels()})));
    }
    return new OdOutput(new Forward(y, a.updates()), a);
  }

  /** How {@code y} is computed. */
  enum Path {
    /** 1x1 kernel, n = 1: one shared convolution. */
    PLAIN,
    /** k x k kernel, n = 1: per-tap attention on shifted views, one shared convolution. */
    TAPS,
    /** A kernel per example through a per-example strategy. */
    PER_EXAMPLE
  }

  Path path(ConvProblem p, Mode mode) {
    if (numKernels == 1 && geometry.isPointwise()) {
      return Path.PLAIN;
    }
    if (numKernels == 1 && (strategy == Strategy.TAPS
        || (strategy == Strategy.AUTO && tapsPreferred(p, mode)))) {
      return Path.TAPS;
    }
    return Path.PER_EXAMPLE;
  }

  /**
   * AUTO's choice for n = 1 with a k x k kernel: never TAPS. Measured with {@code bench --suite
   * family} on this runtime, TAPS (shifted views, an im2col of kh*kw times the input, then one
   * convolution) costs 2.3 to 10 times a static convolution at batch 32 for regular kernels and 13
   * to 120 times for depthwise ones, where the per-example strategies cost 2 to 4 times; at batch
   * 1 the per-example kernel is one plain convolution (FUSED). So AUTO takes the per-example
   * strategies of CondConv's table; TAPS stays available by name.
   */
  private static boolean tapsPreferred(ConvProblem p, Mode mode) {
    return false;
  }

  /** The strategy the layer uses for {@code x} in {@code mode}: TAPS, a per-example one, or null for PLAIN. */
  Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    long[] nhwc = Shapes.requireNhwc(layer, scope, x);
    ConvProblem p = problem(nhwc, geometry);
    return switch (path(p, mode)) {
      case PLAIN -> null;
      case TAPS -> Strategy.TAPS;
      case PER_EXAMPLE -> StrategySelector.resolve(owner(), strategy,
          problem(nhwc, geometry.isDilated() ? ConvOps.undilated(geometry) : geometry), mode)
          .strategy();
    };
  }

  /**
   * Per-example kernels from routing {@code [B, n + kh*kw]} (the kernel attention when n > 1,
   * then the spatial attention when k > 1): {@code spatial[b] * sum_i kernel[b,i] W_i}, dilated by
   * zero-stuffing after mixing.
   */
  private KernelSource kernelSource(ConvProblem p) {
    int kh = geometry.kernelH(), kw = geometry.kernelW();
    long slice = (long) inChannels * kernelOut;
    return new KernelSource() {
      @Override
      public Operand<TFloat32> kernels(Ops tf, Operand<TFloat32> routing) {
        Operand<TFloat32> mixed = bank.kernel().read();
        int next = 0;
        if (numKernels > 1) {
          mixed = bank.mixKernels(tf, tf.slice(routing, tf.constant(new int[] {0, 0}),
              tf.constant(new int[] {-1, numKernels})));
          next = numKernels;
        }
        if (kh * kw > 1) {
          Operand<TFloat32> s = tf.reshape(tf.slice(routing, tf.constant(new int[] {0, next}),
              tf.constant(new int[] {-1, kh * kw})), tf.constant(new long[] {-1, kh, kw, 1}));
          mixed = tf.math.mul(tf.reshape(mixed, tf.constant(new long[] {-1, kh, kw, slice})), s);
        }
        if (geometry.isDilated()) {
          Operand<TFloat32> k5 = tf.reshape(mixed,
              tf.constant(new long[] {-1, kh, kw, inChannels, kernelOut}));
          mixed = ConvOps.dilateKernels(tf, k5, geometry);
        }
        return tf.reshape(mixed, tf.constant(new long[] {-1, Shape.of(p.kernelShape()).size()}));
      }

      @Override
      public Operand<TFloat32> kernelsExampleLast(Ops tf, Operand<TFloat32> routing) {
        return tf.linalg.transpose(kernels(tf, routing), tf.constant(new int[] {1, 0}));
      }

      @Override
      public Operand<TFloat32> single(Ops tf, Operand<TFloat32> routing) {
        return tf.reshape(kernels(tf, routing), tf.constant(p.kernelShape()));
      }
    };
  }

  /**
   * Multiply-adds per example for an {@code h x w} input: the convolution, the attention (pooling,
   * trunk, heads), the feature scalings, and the kernel-side attention the official code applies
   * ({@code n * P} to mix n kernels, {@code P} for the spatial attention).
   */
  long macs(int h, int w) {
    ConvProblem p = new ConvProblem(kind, 1, h, w, inChannels, kernelOut, geometry);
    long m = p.convMacs() + attention.macs(h, w) + (long) h * w * inChannels;
    long outPositions = (long) p.outHeight() * p.outWidth();
    if (kind == ConvKind.REGULAR || kernelOut > 1) {
      m += outPositions * p.outChannels();
    }
    long kernelSize = bank.paramsPerExpert();
    if (numKernels > 1) {
      m += numKernels * kernelSize;
    }
    if (!geometry.isPointwise()) {
      m += kernelSize;
    }
    return m;
  }

  private ConvProblem problem(long[] nhwc, ConvGeometry g) {
    try {
      ConvProblem p = new ConvProblem(kind, nhwc[0], (int) nhwc[1], (int) nhwc[2], inChannels,
          kernelOut, g);
      p.outHeight();
      p.outWidth();
      return p;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(owner() + ": " + e.getMessage(), e);
    }
  }

  private String owner() {
    return layer + " '" + scope.path() + "'";
  }
}

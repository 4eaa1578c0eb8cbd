package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.ConvProblem;
import org.dynconv.conv.KernelSource;
import org.dynconv.conv.PerExampleConv;
import org.dynconv.conv.Strategy;
import org.dynconv.conv.StrategySelector;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.nn.Activations;
import org.dynconv.nn.ConvOps;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The forward pass every conditional layer shares: check shapes, mix the experts per example, run
 * the per-example convolution, add the mixed bias, activate.
 *
 * <p>A dilated kernel is zero-stuffed once after mixing (see {@link ConvOps}), so no strategy
 * meets a dilated convolution. A graph with a static batch of 1 gets batch-1 fusion (FUSED: one
 * mixed kernel, one plain convolution). A run-time switch on the batch size inside graphs of
 * unknown batch was tried and dropped: grappler's constant folding breaks Switch/Merge dead-branch
 * semantics in these graphs (the batch-1 branch ran for larger batches).
 */
final class ConditionalCore {
  private final String layer;
  private final LayerScope scope;
  private final ConvKind kind;
  private final ConvGeometry geometry;
  private final int inChannels;
  private final int kernelOut;
  private final ExpertBank bank;
  private final Activation activation;
  private final Strategy strategy;

  ConditionalCore(String layer, LayerScope scope, ConvKind kind, ConvGeometry geometry,
      int inChannels, int kernelOut, ExpertBank bank, Activation activation, Strategy strategy) {
    this.layer = layer;
    this.scope = scope;
    this.kind = kind;
    this.geometry = geometry;
    this.inChannels = inChannels;
    this.kernelOut = kernelOut;
    this.bank = bank;
    this.activation = activation;
    this.strategy = strategy;
  }

  Operand<TFloat32> forward(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode) {
    ConvProblem p = problem(x);
    Shapes.requireRouting(layer, scope, x.shape().asArray(), routing, bank.numExperts());
    PerExampleConv impl = StrategySelector.resolve(owner(), strategy, p, mode);
    Ops tf = scope.ops();
    KernelSource source = kernelSource(p);
    Operand<TFloat32> y = impl.apply(tf, x, routing, source, p);
    if (bank.hasBias()) {
      Operand<TFloat32> b = bank.mixBiases(tf, routing);
      y = tf.math.add(y, tf.reshape(b, tf.constant(new long[] {-1, 1, 1, p.outChannels()})));
    }
    return Activations.apply(tf, y, activation);
  }

  /** Mixes kernels for a strategy, zero-stuffing a dilated kernel after mixing. */
  private KernelSource kernelSource(ConvProblem p) {
    return new KernelSource() {
      @Override
      public Operand<TFloat32> kernels(Ops tf, Operand<TFloat32> routing) {
        Operand<TFloat32> k = bank.mixKernels(tf, routing);
        if (!geometry.isDilated()) {
          return k;
        }
        Operand<TFloat32> k5 = tf.reshape(k, tf.constant(new long[] {-1, geometry.kernelH(),
            geometry.kernelW(), inChannels, kernelOut}));
        return tf.reshape(ConvOps.dilateKernels(tf, k5, geometry),
            tf.constant(new long[] {-1, Shape.of(p.kernelShape()).size()}));
      }

      @Override
      public Operand<TFloat32> kernelsExampleLast(Ops tf, Operand<TFloat32> routing) {
        if (!geometry.isDilated()) {
          return bank.mixKernelsExampleLast(tf, routing);
        }
        return tf.linalg.transpose(kernels(tf, routing), tf.constant(new int[] {1, 0}));
      }

      @Override
      public Operand<TFloat32> single(Ops tf, Operand<TFloat32> routing) {
        Operand<TFloat32> k = tf.reshape(bank.mixKernelSingle(tf, routing), tf.constant(
            new long[] {geometry.kernelH(), geometry.kernelW(), inChannels, kernelOut}));
        return geometry.isDilated() ? ConvOps.dilateKernel(tf, k, geometry) : k;
      }

      @Override
      public Operand<TFloat32> bank(Ops tf) {
        return geometry.isDilated() || bank.kernel().halfWidth() ? null : bank.kernel().read();
      }
    };
  }

  Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    return StrategySelector.resolve(owner(), strategy, problem(x), mode).strategy();
  }

  /** Convolution plus mixing multiply-adds per example (routing not included). */
  long macs(int height, int width) {
    ConvProblem p = new ConvProblem(kind, 1, height, width, inChannels, kernelOut, geometry);
    return p.convMacs() + bank.mixingMacs();
  }

  /** The problem strategies see: the dilation is folded into a zero-stuffed kernel. */
  private ConvProblem problem(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc(layer, scope, x);
    Shapes.requireChannels(layer, scope, nhwc, inChannels);
    try {
      ConvProblem p = new ConvProblem(kind, nhwc[0], (int) nhwc[1], (int) nhwc[2], inChannels,
          kernelOut, geometry.isDilated() ? ConvOps.undilated(geometry) : geometry);
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

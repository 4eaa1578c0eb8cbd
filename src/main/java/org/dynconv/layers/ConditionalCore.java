package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.ConvProblem;
import org.dynconv.conv.PerExampleConv;
import org.dynconv.conv.Strategy;
import org.dynconv.conv.StrategySelector;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.nn.Activations;
import org.dynconv.nn.ConvOps;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The forward pass every conditional layer shares: check shapes, mix the experts per example, run
 * the per-example convolution, add the mixed bias, activate.
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
    Ops tf = scope.ops();
    Operand<TFloat32> kernels = bank.mixKernels(tf, routing);
    if (geometry.isDilated()) {
      // Zero-stuff the mixed kernels once, so no strategy meets a dilated conv (see ConvOps).
      Operand<TFloat32> k5 = tf.reshape(kernels, tf.constant(new long[] {-1, geometry.kernelH(),
          geometry.kernelW(), inChannels, kernelOut}));
      Operand<TFloat32> d5 = ConvOps.dilateKernels(tf, k5, geometry);
      p = new ConvProblem(kind, p.batch(), p.height(), p.width(), inChannels, kernelOut,
          ConvOps.undilated(geometry));
      kernels = tf.reshape(d5, tf.constant(new long[] {-1, Shape.of(p.kernelShape()).size()}));
    }
    PerExampleConv impl = StrategySelector.resolve(owner(), strategy, p, mode);
    Operand<TFloat32> y = impl.apply(tf, x, kernels, p);
    if (bank.hasBias()) {
      Operand<TFloat32> b = bank.mixBiases(tf, routing);
      y = tf.math.add(y, tf.reshape(b, tf.constant(new long[] {-1, 1, 1, p.outChannels()})));
    }
    return Activations.apply(tf, y, activation);
  }

  Strategy strategyFor(Operand<TFloat32> x, Mode mode) {
    ConvProblem p = problem(x);
    if (geometry.isDilated()) {
      p = new ConvProblem(kind, p.batch(), p.height(), p.width(), inChannels, kernelOut,
          ConvOps.undilated(geometry));
    }
    return StrategySelector.resolve(owner(), strategy, p, mode).strategy();
  }

  /** Convolution plus mixing multiply-adds per example (routing not included). */
  long macs(int height, int width) {
    ConvProblem p = new ConvProblem(kind, 1, height, width, inChannels, kernelOut, geometry);
    return p.convMacs() + bank.mixingMacs();
  }

  private ConvProblem problem(Operand<TFloat32> x) {
    long[] nhwc = Shapes.requireNhwc(layer, scope, x);
    Shapes.requireChannels(layer, scope, nhwc, inChannels);
    try {
      ConvProblem p = new ConvProblem(
          kind, nhwc[0], (int) nhwc[1], (int) nhwc[2], inChannels, kernelOut, geometry);
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

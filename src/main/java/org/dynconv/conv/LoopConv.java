package org.dynconv.conv;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Split;
import org.tensorflow.types.TFloat32;

/**
 * Google's {@code condconv_layers.py} strategy: split the batch, one convolution per example,
 * concat. Needs a static batch and builds B convolutions. Batch 1 skips the split, because a
 * one-way Split breaks TensorFlow's gradient (its Concat needs at least two inputs).
 */
final class LoopConv implements PerExampleConv {
  @Override
  public Strategy strategy() {
    return Strategy.LOOP;
  }

  @Override
  public String unsupportedReason(ConvProblem p) {
    return p.staticBatch() ? null : "it needs a static batch dimension, got an unknown one";
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      KernelSource source, ConvProblem p) {
    int b = (int) p.batch();
    if (b == 1) {
      return FusedConv.convolve(tf, x, source.single(tf, routing), p);
    }
    Operand<TFloat32> kernels = source.kernels(tf, routing);
    Split<TFloat32> xs = tf.split(tf.constant(0), x, (long) b);
    Split<TFloat32> ks = tf.split(tf.constant(0), kernels, (long) b);
    List<Operand<TFloat32>> outs = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      Operand<TFloat32> kernel = tf.reshape(ks.output().get(i), tf.constant(p.kernelShape()));
      outs.add(FusedConv.convolve(tf, xs.output().get(i), kernel, p));
    }
    return tf.concat(outs, tf.constant(0));
  }
}

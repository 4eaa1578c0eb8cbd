package org.dynconv.bench;

import java.util.List;
import org.dynconv.conv.ConvKind;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.nn.ConvOps;
import org.dynconv.config.ConvGeometry;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The costly alternative the CondConv paper contrasts with, as a benchmark reference: all E
 * expert convolutions on the input, then their outputs weighted per example, {@code y[b] = sum_e
 * r[b,e] conv(x[b], W_e)}. Same function as CondConv (without bias), E times the multiply-adds of
 * the convolution.
 */
final class MixtureConv {
  private MixtureConv() {}

  static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> routing,
      ExpertBank bank, ConvKind kind, ConvGeometry g) {
    long[] s = bank.expertShape();
    int e = bank.numExperts();
    Operand<TFloat32> k5 = tf.reshape(bank.kernel().read(),
        tf.constant(new long[] {e, s[0], s[1], s[2], s[3]}));
    // [E,kh,kw,A,B] -> [kh,kw,A,E,B]: expert e's outputs become channels e*B .. e*B+B-1.
    Operand<TFloat32> stacked = tf.linalg.transpose(k5, tf.constant(new int[] {1, 2, 3, 0, 4}));
    if (kind == ConvKind.REGULAR) {
      Operand<TFloat32> all = ConvOps.conv2d(tf, x,
          tf.reshape(stacked, tf.constant(new long[] {s[0], s[1], s[2], e * s[3]})), g);
      Operand<TFloat32> split = tf.reshape(all, tf.constant(new long[] {-1,
          all.shape().size(1), all.shape().size(2), e, s[3]}));
      return tf.linalg.einsum(List.of(split, routing), "bhwec,be->bhwc");
    }
    // Depthwise with multiplier E: output channel c*E + e.
    Operand<TFloat32> all = ConvOps.depthwise(tf, x,
        tf.reshape(stacked, tf.constant(new long[] {s[0], s[1], s[2], e * s[3]})), g);
    Operand<TFloat32> split = tf.reshape(all, tf.constant(new long[] {-1, all.shape().size(1),
        all.shape().size(2), s[2], e}));
    return tf.linalg.einsum(List.of(split, routing), "bhwce,be->bhwc");
  }
}

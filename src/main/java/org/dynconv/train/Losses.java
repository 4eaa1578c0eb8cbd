package org.dynconv.train;

import java.util.List;
import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Loss terms. Cross-entropy takes integer labels and builds (smoothed) one-hot targets in the
 * graph, because SparseSoftmaxCrossEntropyWithLogits has no gradient in TF Java 1.1.0.
 */
public final class Losses {
  private Losses() {}

  /**
   * Mean softmax cross-entropy against {@code (1 - s) * onehot(labels) + s / K}.
   *
   * @param labels {@code [B]} int32 in 0..K-1
   */
  public static Operand<TFloat32> softmaxCrossEntropy(Ops tf, Operand<TFloat32> logits,
      Operand<TInt32> labels, int numClasses, double labelSmoothing) {
    float on = (float) (1 - labelSmoothing + labelSmoothing / numClasses);
    float off = (float) (labelSmoothing / numClasses);
    Operand<TFloat32> targets = tf.oneHot(labels, tf.constant(numClasses), tf.constant(on),
        tf.constant(off));
    Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss();
    return tf.math.mean(perExample, tf.constant(0));
  }

  /** Fraction of examples whose arg-max logit equals the label. */
  public static Operand<TFloat32> accuracy(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class);
    return tf.math.mean(tf.dtypes.cast(tf.math.equal(predicted, labels), TFloat32.class),
        tf.constant(0));
  }

  /**
   * Google's weight decay: {@code rate * sum_v sum(v^2) / 2} over trainable variables whose name
   * does not contain {@code batch_normalization}, and only over routing and attention parameters
   * when {@code decayRouting}.
   */
  public static Operand<TFloat32> weightDecay(Ops tf, List<VariableRef> trainable, double rate,
      boolean decayRouting) {
    Operand<TFloat32> sum = tf.constant(0f);
    for (VariableRef v : trainable) {
      if (!v.name().contains("batch_normalization") && (decayRouting || !v.routing())) {
        sum = tf.math.add(sum, tf.nn.l2Loss(v.read()));
      }
    }
    return tf.math.mul(sum, tf.constant((float) rate));
  }
}

package org.dynconv.bench;

import org.dynconv.graph.Threads;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * This machine's memory bandwidth for a streaming read, measured in this process: TensorFlow's
 * {@code reduce_sum} over a 256 MB float32 variable (far larger than any cache) on {@code threads}
 * intra-op threads, best of seven runs after one warm-up. It is the rate at which batch-1
 * inference can read weights that do not stay in cache, so {@code bytes / bandwidth} is the floor
 * a bandwidth-bound run cannot beat.
 *
 * <p>Why TensorFlow's reduction and not a Java loop: the JIT does not vectorise a float sum, so a
 * Java loop is bound by its adds, not by memory. On the 2-core AVX-512 Xeon VM a four-chain Java
 * loop read 13.8 GB/s where this reduction read 29-32 GB/s and a C loop with AVX-512 loads 35 GB/s
 * (2026-12-06); bench runs before then printed the Java loop's figure, and their floors are that
 * much too high there.
 */
public final class Bandwidth {
  static final int FLOATS = 64 << 20;
  static final int PASSES = 7;

  private Bandwidth() {}

  /** Bytes per second of a streaming read with {@code threads} threads (at least 1). */
  public static double measure(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("Bandwidth: threads is " + threads + "; expected >= 1.");
    }
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // Filled once by the initializer, so that a timed run only reads it.
      Variable<TFloat32> data = tf.variable(tf.fill(tf.constant(new long[] {FLOATS}),
          tf.constant(1f)));
      Operand<TFloat32> sum = tf.reduceSum(tf.identity(data), tf.constant(0));
      try (Session s = new Threads(threads, 1).session(g)) {
        s.initialize();
        double best = 0;
        for (int pass = 0; pass <= PASSES; pass++) {
          long start = System.nanoTime();
          try (Result r = s.runner().fetch(sum).run()) {
            double seconds = (System.nanoTime() - start) / 1e9;
            if (pass > 0) {
              best = Math.max(best, 4.0 * FLOATS / seconds);
            }
          }
        }
        return best;
      }
    }
  }

  /** Milliseconds to read {@code bytes} at {@code bytesPerSecond}. */
  public static double floorMs(long bytes, double bytesPerSecond) {
    return bytes / bytesPerSecond * 1e3;
  }
}

package org.dynconv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * This machine's memory bandwidth for a streaming read, measured in this process: {@code threads}
 * threads each sum their share of a 256 MB array (far larger than any cache), best of seven
 * passes after one warm-up. It is the rate at which batch-1 inference can read weights that do
 * not stay in cache, so {@code bytes / bandwidth} is the floor a bandwidth-bound run cannot beat.
 * oneDNN's vectorised reads may reach somewhat more than this Java loop; then the true floor is
 * a little lower than the one printed, and a measured time looks closer to its floor than it is.
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
    float[] data = new float[FLOATS];
    for (int i = 0; i < data.length; i += 1024) {
      data[i] = i; // touch every page before timing
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "dynconv-bandwidth");
      t.setDaemon(true);
      return t;
    });
    try {
      double best = 0;
      double sink = 0;
      for (int pass = 0; pass <= PASSES; pass++) {
        long start = System.nanoTime();
        List<Future<Double>> parts = new ArrayList<>();
        int share = (data.length + threads - 1) / threads;
        for (int t = 0; t < threads; t++) {
          int from = t * share, to = Math.min(data.length, from + share);
          parts.add(pool.submit(() -> sum(data, from, to)));
        }
        for (Future<Double> f : parts) {
          sink += f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (pass > 0) {
          best = Math.max(best, 4.0 * data.length / seconds);
        }
      }
      if (sink == 42) {
        System.out.print(""); // keeps the sums live so the JIT cannot drop the reads
      }
      return best;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Bandwidth: interrupted while measuring", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Bandwidth: a reader failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Four independent accumulators, so the loop is bound by loads, not by one add chain. */
  static double sum(float[] a, int from, int to) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    for (; i < to; i++) {
      s0 += a[i];
    }
    return (double) s0 + s1 + s2 + s3;
  }

  /** Milliseconds to read {@code bytes} at {@code bytesPerSecond}. */
  public static double floorMs(long bytes, double bytesPerSecond) {
    return bytes / bytesPerSecond * 1e3;
  }
}

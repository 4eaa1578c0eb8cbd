package org.dynconv.serve;

import java.util.Map;
import java.util.concurrent.Semaphore;
import org.dynconv.infer.Predictor;
import org.dynconv.infer.Predictor.FloatTensor;

/**
 * How a predict request of either API reaches its model, once decoded: a batch over {@code
 * --max-batch} is refused; without batching, on the
 * caller's thread with one of {@code --max-concurrent} slots (none free: 503, UNAVAILABLE); with
 * batching, merged with other requests by the {@link Batcher}, whose queue bounds what waits.
 */
final class Runs implements AutoCloseable {
  private final Semaphore slots;
  private final int maxConcurrent;
  private final int maxBatch;
  private final Batcher batcher;

  /**
   * @param maxBatch examples per request above this are refused (--max-batch)
   * @param batching null runs every request on its own
   */
  Runs(int maxConcurrent, int maxBatch, ModelServer.Batching batching) {
    this.slots = new Semaphore(maxConcurrent);
    this.maxConcurrent = maxConcurrent;
    this.maxBatch = maxBatch;
    this.batcher = batching == null ? null : new Batcher(batching);
  }

  Map<String, FloatTensor> run(Predictor p, String key, Map<String, FloatTensor> inputs) {
    long[] shape = inputs.values().iterator().next().shape();
    long batch = shape.length == 0 ? 0 : shape[0];
    if (batch > maxBatch) {
      throw new IllegalArgumentException("a batch of " + batch + " exceeds the limit of " + maxBatch
          + " (--max-batch)");
    }
    if (batcher != null) {
      return batcher.run(p, key, inputs);
    }
    if (!slots.tryAcquire()) {
      throw new RestApi.ApiError(503, "too many requests in flight (the limit is " + maxConcurrent
          + ", --max-concurrent); retry later");
    }
    try {
      return p.run(key, inputs, RestApi.ROWS_PER_RUN);
    } finally {
      slots.release();
    }
  }

  /** Batches run and requests batched, or null without batching. */
  long[] batchCounts() {
    return batcher == null ? null : batcher.counts();
  }

  @Override
  public void close() {
    if (batcher != null) {
      batcher.close();
    }
  }
}

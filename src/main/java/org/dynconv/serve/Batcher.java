package org.dynconv.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.dynconv.infer.Predictor.FloatTensor;
import org.dynconv.infer.Predictor;

/**
 * Server-side batching as TF-Serving's {@code --enable_batching} does it: predict requests for the
 * same model version and signature are merged along the batch axis until the batch holds {@code
 * maxBatchSize} rows or, once a batch thread is free, its first request has waited {@code
 * batchTimeoutMicros}. A merged batch is padded with zero rows to the next size the export has a
 * static-batch signature for ({@code serving_default_batch_N}, see {@link
 * org.dynconv.models.BatchCopies}), as TF-Serving pads to {@code allowed_batch_sizes}, run once
 * and split back per request. {@code numBatchThreads} batches run at once; when {@code
 * maxEnqueuedBatches} full batches are waiting, a new request is refused (TF-Serving's
 * UNAVAILABLE, 503 here).
 *
 * <p>A request's answer is the unbatched answer: the models compute every example on its own in
 * inference (BatchNorm uses its moving statistics), so merging changes at most the rounding of
 * the convolution's batched arithmetic. A request larger than {@code maxBatchSize} runs alone.
 */
final class Batcher implements AutoCloseable {
  /** One request waiting in a batch. */
  private record Task(Map<String, FloatTensor> inputs, int rows,
      CompletableFuture<Map<String, FloatTensor>> answer) {}

  /** Requests of one model version and signature, merged. */
  private static final class Batch {
    final Predictor predictor;
    final String key;
    final long openedAt = System.nanoTime();
    final List<Task> tasks = new ArrayList<>();
    int rows;

    Batch(Predictor predictor, String key) {
      this.predictor = predictor;
      this.key = key;
    }
  }

  private final ModelServer.Batching settings;
  private final long timeoutNanos;
  private final ExecutorService threads;
  private final Object lock = new Object();
  /** The batch filling per model version and signature. */
  private final Map<List<Object>, Batch> open = new LinkedHashMap<>();
  /** Full batches waiting for a batch thread, oldest first. */
  private final ArrayDeque<Batch> full = new ArrayDeque<>();
  private boolean closed;
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();

  Batcher(ModelServer.Batching settings) {
    this.settings = settings;
    this.timeoutNanos = TimeUnit.MICROSECONDS.toNanos(settings.batchTimeoutMicros());
    this.threads = Executors.newFixedThreadPool(settings.numBatchThreads(), r -> {
      Thread t = new Thread(r, "dynconv-batch");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < settings.numBatchThreads(); i++) {
      threads.execute(this::batchLoop);
    }
  }

  /** Adds {@code t} to the open batch of its model version and signature. */
  private void add(Predictor p, String key, Task t) {
    List<Object> queue = List.of(p, key);
    synchronized (lock) {
      Batch b = open.get(queue);
      if (b != null && b.rows + t.rows() > settings.maxBatchSize()) {
        open.remove(queue);
        full.add(b);
        b = null;
      }
      if (b == null) {
        if (full.size() >= settings.maxEnqueuedBatches()) {
          throw new RestApi.ApiError(503, "The batch scheduling queue to which this session was"
              + " assigned is full (--max-enqueued-batches " + settings.maxEnqueuedBatches()
              + "); retry later");
        }
        b = new Batch(p, key);
        open.put(queue, b);
      }
      b.tasks.add(t);
      b.rows += t.rows();
      if (b.rows >= settings.maxBatchSize()) {
        open.remove(queue);
        full.add(b);
      }
      lock.notifyAll();
    }
  }

  /**
   * What each batch thread does: runs the oldest full batch, else the oldest open batch once it
   * has waited its timeout. While every batch thread is busy, open batches go on filling, so
   * batches grow with the load (TF-Serving's shared batch scheduler does the same).
   */
  private void batchLoop() {
    while (true) {
      Batch b;
      synchronized (lock) {
        while (true) {
          if (closed) {
            return;
          }
          if (!full.isEmpty()) {
            b = full.poll();
            break;
          }
          Map.Entry<List<Object>, Batch> oldest = null;
          for (var e : open.entrySet()) {
            if (oldest == null || e.getValue().openedAt < oldest.getValue().openedAt) {
              oldest = e;
            }
          }
          try {
            if (oldest == null) {
              lock.wait();
              continue;
            }
            long due = oldest.getValue().openedAt + timeoutNanos - System.nanoTime();
            if (due <= 0) {
              open.remove(oldest.getKey());
              b = oldest.getValue();
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(lock, due);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      runBatch(b.predictor, b.key, b.tasks);
    }
  }

  /**
   * The outputs of signature {@code key} for {@code inputs}, computed in a merged batch; blocks
   * until they are ready.
   */
  Map<String, FloatTensor> run(Predictor p, String key, Map<String, FloatTensor> inputs) {
    // A request that does not fit its signature fails here, alone, naming the problem; it never
    // joins (and fails or corrupts) a batch of others.
    long rows = p.check(key, inputs);
    if (rows < 1 || rows > settings.maxBatchSize() || !mergeable(p, key)) {
      return p.run(key, inputs, RestApi.ROWS_PER_RUN);
    }
    Task t = new Task(inputs, (int) rows, new CompletableFuture<>());
    // Requests merge only with requests of the same version (predictor) and signature.
    add(p, key, t);
    requests.incrementAndGet();
    try {
      return t.answer().get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RestApi.ApiError(503, "interrupted while waiting for a batch");
    }
  }

  /**
   * Whether requests checked against signature {@code key} can be merged: every input's sizes
   * after the batch axis are static, so checked requests agree on them.
   */
  private static boolean mergeable(Predictor p, String key) {
    return p.signatures().stream().filter(s -> s.key().equals(key)).findFirst()
        .map(sig -> sig.getInputs().values().stream().allMatch(d -> {
          for (int i = 1; i < d.shape.numDimensions(); i++) {
            if (d.shape.size(i) < 0) {
              return false;
            }
          }
          return !d.shape.isUnknown();
        })).orElse(false);
  }

  /** Merges, pads, runs and splits one batch; every task gets its rows or the batch's error. */
  private void runBatch(Predictor p, String key, List<Task> batch) {
    try {
      int rows = batch.stream().mapToInt(Task::rows).sum();
      int padded = paddedSize(p, key, rows);
      Map<String, FloatTensor> merged = new LinkedHashMap<>();
      for (String name : batch.get(0).inputs().keySet()) {
        long[] shape = batch.get(0).inputs().get(name).shape().clone();
        int perRow = batch.get(0).inputs().get(name).values().length / batch.get(0).rows();
        float[] v = new float[padded * perRow];
        int at = 0;
        for (Task t : batch) {
          float[] src = t.inputs().get(name).values();
          System.arraycopy(src, 0, v, at, src.length);
          at += src.length;
        }
        shape[0] = padded;
        merged.put(name, new FloatTensor(shape, v));
      }
      Map<String, FloatTensor> out = p.run(key, merged, Math.max(RestApi.ROWS_PER_RUN, padded));
      batches.incrementAndGet();
      int from = 0;
      for (Task t : batch) {
        Map<String, FloatTensor> mine = new LinkedHashMap<>();
        for (var e : out.entrySet()) {
          FloatTensor o = e.getValue();
          int perRow = o.values().length / padded;
          long[] shape = o.shape().clone();
          shape[0] = t.rows();
          float[] v = new float[t.rows() * perRow];
          System.arraycopy(o.values(), from * perRow, v, 0, v.length);
          mine.put(e.getKey(), new FloatTensor(shape, v));
        }
        from += t.rows();
        t.answer().complete(mine);
      }
    } catch (RuntimeException e) {
      batch.forEach(t -> t.answer().completeExceptionally(e));
    } catch (Error e) {
      // The batch thread lives on; its requests get an error instead of waiting forever.
      RuntimeException failure = new IllegalStateException("the batch failed: " + e, e);
      batch.forEach(t -> t.answer().completeExceptionally(failure));
    }
  }

  /**
   * The smallest batch size at least {@code rows} that the export has a static-batch copy of
   * {@code key} for, up to {@code maxBatchSize}; {@code rows} itself when there is none.
   */
  private int paddedSize(Predictor p, String key, int rows) {
    for (int n = rows; n <= settings.maxBatchSize(); n++) {
      if (!p.signatureFor(key, n).equals(key)) {
        return n;
      }
    }
    return rows;
  }

  /** Batches run and requests batched so far, for the log, the benchmark and the tests. */
  long[] counts() {
    return new long[] {batches.get(), requests.get()};
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    threads.shutdown();
    try {
      threads.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String describe(ModelServer.Batching s) {
    return "batching: up to " + s.maxBatchSize() + " rows within " + s.batchTimeoutMicros()
        + " us, " + s.numBatchThreads() + " batch thread(s), " + s.maxEnqueuedBatches()
        + " batches enqueued at most";
  }
}

/*
 * The loops' threads: pe_parallel (per_example_conv_internal.h) hands out the units [0, n) in
 * runs, which the caller's thread and a pool of worker threads that lives as long as the process
 * take from a shared counter until none are left. Taken so rather than split into one chunk per
 * thread, a call does not wait for a thread that TensorFlow's other ops are slowing down: a
 * training step against its static twin measured 1-4% faster in nine pairs of runs out of nine
 * (small CNN CondConv 1.57-1.59x -> 1.52-1.57x, MobileNetV2 0.25 DynamicConv 1.47-1.49x ->
 * 1.42-1.45x; src/site/performance/mixed-gradient-2026-12-06/threads-ab-console.txt).
 *
 * Why a pool: starting and joining a thread costs about 40 us on a 2-core VM, more than a small
 * layer at batch 1 takes. A 3x3 depthwise layer of 96 channels at 14 x 14, called back to back,
 * took 16 us on one thread, 46 us on two threads started per call, and 12 us on two with the
 * pool (C harness, 2026-12-06). Workers spin briefly before they sleep (PE_SPIN).
 *
 * One call uses the pool at a time. TensorFlow may run two of our ops at once (inter-op
 * threads): the second caller then starts threads of its own, as every call did before the pool.
 * Either way every unit's sums run in a fixed order whichever thread takes it, so results are
 * the same. After fork() the child has none of the parent's workers; it starts over with none.
 */
#include <pthread.h>
#include <stdint.h>

#include "per_example_conv_internal.h"

#define PE_MIN_PARALLEL_MACS (1 << 17) /* below this a call runs on one thread */
#define PE_MAX_THREADS 64
/*
 * Polls (about 20 us) before a waiting thread sleeps. Waking a sleeping thread costs some 60 us
 * on a VM, so calls back to back gain from the spin; a longer spin (200 us) made a MobileNetV2
 * training step slower (1.42x to 1.56x its static twin), the spinning thread taking a core from
 * TensorFlow's own ops.
 */
#define PE_SPIN 1000

/* A call's work as every thread sees it: units [0, n), taken grain at a time from *next. */
typedef struct {
  pe_task fn;
  const void* ctx;
  int64_t n, grain;
  int64_t* next;
} pe_chunk;

/* Takes runs of units until none are left. A thread that TensorFlow's other ops slow down takes
   fewer, so the call does not wait for it. */
static void pe_run(const pe_chunk* c) {
  for (;;) {
    int64_t b = __atomic_fetch_add(c->next, c->grain, __ATOMIC_RELAXED);
    if (b >= c->n) return;
    c->fn(c->ctx, b, pe_min64(b + c->grain, c->n));
  }
}

/* GCC's atomic builtins, sequentially consistent (C11's <stdatomic.h> is not C++, and the
   sources are also compiled as C++ against TensorFlow's headers, see test_kernel_library.py). */
#define PE_LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define PE_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

static inline void pe_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* ---- threads started for one call (the pool is busy, or could not start) ---- */

static void* pe_thread_main(void* p) {
  pe_run((const pe_chunk*)p);
  return NULL;
}

static void pe_run_spawned(const pe_chunk* chunks, int64_t t) {
  pthread_t ids[PE_MAX_THREADS];
  int started[PE_MAX_THREADS] = {0};
  for (int64_t i = 1; i < t; i++) {
    started[i] = pthread_create(&ids[i], NULL, pe_thread_main, (void*)&chunks[i]) == 0;
  }
  pe_run(&chunks[0]);
  for (int64_t i = 1; i < t; i++) {
    if (started[i]) {
      pthread_join(ids[i], NULL);
    } else {
      pe_run(&chunks[i]); /* no thread to be had: this one does the work */
    }
  }
}

/* ---- the pool ---- */

/*
 * A job is published by storing its chunks and then one word, job = (sequence << 8) | t; worker
 * i (1-based) runs chunks[i] of every job with i < t (takes runs of units until none are left)
 * and then decrements pending. The caller
 * holds busy from publishing until pending is 0, so a worker never misses a job it has a chunk
 * of, and the chunks it reads do not change under it. t travels in the same word as the
 * sequence so that a worker late for a job it has no chunk of cannot pair that job with the
 * next one's t.
 */
static struct {
  pthread_mutex_t lock; /* guards sleeping and the condition variables */
  pthread_cond_t wake;
  pthread_cond_t done;
  int busy;              /* a caller owns the pool (atomic) */
  uint64_t job;          /* the current job (atomic) */
  int pending;           /* chunks of the current job not yet finished by workers (atomic) */
  int sleepers_caller;   /* the caller sleeps on done */
  int workers;           /* worker threads started (only the owning caller changes it) */
  pe_chunk chunks[PE_MAX_THREADS];
} pe_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
             0, 0, 0, 0, 0, {{0, 0, 0, 0, 0}}};

static void pe_pool_after_fork_in_child(void) {
  /* The workers were not copied: start over with none (the next call starts them again). */
  pthread_mutex_init(&pe_pool.lock, NULL);
  pthread_cond_init(&pe_pool.wake, NULL);
  pthread_cond_init(&pe_pool.done, NULL);
  PE_STORE(&pe_pool.busy, 0);
  PE_STORE(&pe_pool.pending, 0);
  pe_pool.sleepers_caller = 0;
  pe_pool.workers = 0;
}

static pthread_once_t pe_pool_once = PTHREAD_ONCE_INIT;

static void pe_pool_init(void) { pthread_atfork(NULL, NULL, pe_pool_after_fork_in_child); }

static void* pe_worker_main(void* p) {
  const int64_t index = (int64_t)(intptr_t)p;
  /* Nothing seen yet (jobs start at sequence 1). A worker is started while the caller that
     needs it prepares a job; it must not take that job for one it has seen. An earlier job it
     has no chunk of (its t was at most the workers there were then) it passes over. */
  uint64_t seen = 0;
  for (;;) {
    uint64_t now = seen;
    for (int spin = 0; spin < PE_SPIN && (now = PE_LOAD(&pe_pool.job)) == seen; spin++) {
      pe_pause();
    }
    if (now == seen) {
      pthread_mutex_lock(&pe_pool.lock);
      while ((now = PE_LOAD(&pe_pool.job)) == seen) {
        pthread_cond_wait(&pe_pool.wake, &pe_pool.lock);
      }
      pthread_mutex_unlock(&pe_pool.lock);
    }
    seen = now;
    if (index < (int64_t)(now & 0xff)) {
      pe_run(&pe_pool.chunks[index]);
      if (__atomic_sub_fetch(&pe_pool.pending, 1, __ATOMIC_SEQ_CST) == 0) {
        pthread_mutex_lock(&pe_pool.lock);
        if (pe_pool.sleepers_caller) pthread_cond_signal(&pe_pool.done);
        pthread_mutex_unlock(&pe_pool.lock);
      }
    }
  }
  return NULL;
}

/* Runs chunks[0..t) with the pool's workers; the caller owns the pool. */
static void pe_run_pooled(const pe_chunk* chunks, int64_t t) {
  while (pe_pool.workers < t - 1) {
    pthread_t id;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    void* index = (void*)(intptr_t)(pe_pool.workers + 1);
    int ok = pthread_create(&id, &attr, pe_worker_main, index) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    pe_pool.workers++;
  }
  /* Chunks past the workers there are (threads could not be started) run on this thread. */
  int64_t pooled = pe_min64(t, pe_pool.workers + 1);
  for (int64_t i = 1; i < pooled; i++) pe_pool.chunks[i] = chunks[i];
  PE_STORE(&pe_pool.pending, (int)(pooled - 1));
  if (pooled > 1) {
    pthread_mutex_lock(&pe_pool.lock);
    uint64_t sequence = (PE_LOAD(&pe_pool.job) >> 8) + 1;
    PE_STORE(&pe_pool.job, sequence << 8 | (uint64_t)pooled);
    pthread_cond_broadcast(&pe_pool.wake);
    pthread_mutex_unlock(&pe_pool.lock);
  }
  pe_run(&chunks[0]);
  for (int64_t i = pooled; i < t; i++) pe_run(&chunks[i]);
  for (int spin = 0; spin < PE_SPIN && PE_LOAD(&pe_pool.pending) > 0; spin++) pe_pause();
  if (PE_LOAD(&pe_pool.pending) > 0) {
    pthread_mutex_lock(&pe_pool.lock);
    pe_pool.sleepers_caller = 1;
    while (PE_LOAD(&pe_pool.pending) > 0) pthread_cond_wait(&pe_pool.done, &pe_pool.lock);
    pe_pool.sleepers_caller = 0;
    pthread_mutex_unlock(&pe_pool.lock);
  }
}

/*
 * Runs fn over [0, n) in runs of `grain` units (0: about a quarter of a thread's share) that up to
 * `threads` threads (the caller's among them) take until none are left. Few multiply-adds (macs
 * in all) run on the caller's thread alone: waking threads would cost more than they save.
 */
static void pe_parallel_grain(int threads, int64_t n, int64_t grain, double macs, pe_task fn,
                              const void* ctx) {
  int64_t t = threads < 1 ? 1 : threads;
  if (t > PE_MAX_THREADS) t = PE_MAX_THREADS;
  if (t > n) t = n;
  if (macs < PE_MIN_PARALLEL_MACS) t = 1;
  if (t <= 1) {
    if (n > 0) fn(ctx, 0, n);
    return;
  }
  /* Runs of about a quarter of a thread's share: few enough that a thread's consecutive units
     still share what they cache (a packed panel), many enough to even out the threads. */
  int64_t next = 0;
  pe_chunk chunks[PE_MAX_THREADS];
  for (int64_t i = 0; i < t; i++) {
    chunks[i].fn = fn;
    chunks[i].ctx = ctx;
    chunks[i].n = n;
    chunks[i].grain = grain > 0 ? grain : pe_max64(1, n / (4 * t));
    chunks[i].next = &next;
  }
  pthread_once(&pe_pool_once, pe_pool_init);
  int expected = 0;
  if (__atomic_compare_exchange_n(&pe_pool.busy, &expected, 1, 0, __ATOMIC_SEQ_CST,
                                  __ATOMIC_SEQ_CST)) {
    pe_run_pooled(chunks, t);
    PE_STORE(&pe_pool.busy, 0);
  } else {
    pe_run_spawned(chunks, t);
  }
}

void pe_parallel(int threads, int64_t n, double macs, pe_task fn, const void* ctx) {
  pe_parallel_grain(threads, n, 0, macs, fn, ctx);
}

/*
 * A run of pe_parallel's length (a quarter of a thread's share) starts inside a block and packs
 * its panel again; with fewer than two blocks a run, about every run does, and runs of one whole
 * block each pack every panel once. They are taken only there, and where the threads' shares of
 * blocks stay within 10% of even (6 or 10 panels on 2 threads, not 3 or 5). Mixed forward pass,
 * batch 32, two threads (C harness, AVX-512, 2026-12-06): 672 -> 192, 1152 -> 192 and
 * 1152 -> 320 at 7 x 7 (E = 8; 6, 6 and 10 panels of 32 channels) 12%, 12% and 6% faster,
 * 384 -> 64 at 14 x 14 (E = 4, 2 panels) 21%. Whole blocks of 576 -> 96's 3 panels were 20%
 * slower (two threads taking 2 and 1), and of 160 -> 960's 30 panels at 7 x 7 (E = 4, a panel's
 * experts 80 KB) 6-7% slower.
 */
void pe_parallel_blocks(int threads, int64_t n, int64_t block, double macs, pe_task fn,
                        const void* ctx) {
  int64_t t = pe_max64(1, pe_min64(threads, PE_MAX_THREADS));
  int64_t blocks = block > 0 ? pe_ceil_div(n, block) : 0;
  if (block <= 1 || blocks < t || blocks >= 8 * t ||
      10 * pe_ceil_div(blocks, t) * t > 11 * blocks) {
    pe_parallel_grain(threads, n, 0, macs, fn, ctx);
    return;
  }
  /* A block a run: runs of several blocks would split the blocks less evenly (21 panels in runs
     of 3 are 7 runs, 4 for one thread and 3 for the other). */
  pe_parallel_grain(threads, n, block, macs, fn, ctx);
}

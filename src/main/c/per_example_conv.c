/*
 * Per-example convolution: threads, the depthwise loops, and the entry points (see
 * per_example_conv.h for the formula and shapes). The regular convolutions are in
 * per_example_conv_regular.c, built once per instruction set; pe_forward and pe_backward pick the
 * build this CPU runs.
 *
 * Depthwise convolutions vectorise over channels: a tile of PE_P output pixels by PE_V channels,
 * each weight vector feeding PE_P multiply-adds. Their hot functions are compiled three times
 * (AVX-512, AVX2 with FMA, baseline x86-64) and the loader picks one (GCC's target_clones). Work
 * is split over threads by example and pixel tile, or by example and row or tap for the
 * gradients: every element is summed by one thread in a fixed order, so results do not depend on
 * the number of threads.
 */
#include "per_example_conv_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Channels a depthwise vector: one AVX2 register (half an AVX-512 one). A 16-float vector would
   fill an AVX-512 register but is split through memory in the AVX2 build, 3-4x slower there;
   8 costs the AVX-512 build 5-10% on these memory-bound loops. */
#define PE_V 8
#define PE_P 6 /* output pixels a depthwise tile */
#define PE_MIN_PARALLEL_MACS (1 << 17) /* below this a call runs on one thread */
#define PE_MAX_THREADS 64

/* GCC 11 named the x86-64-v3 and -v4 levels; other compilers get the portable build only. */
#if defined(__x86_64__) && defined(__GNUC__) && __GNUC__ >= 11 && !defined(__clang__) && \
    !defined(__cplusplus)
#define PE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PE_CLONES
#endif

typedef float pe_vec __attribute__((vector_size(PE_V * sizeof(float))));

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int pe_geometry_init(pe_geometry* g, int same) {
  int64_t eff_h = (g->KH - 1) * g->DH + 1, eff_w = (g->KW - 1) * g->DW + 1;
  if (same) {
    g->OH = (g->H + g->SH - 1) / g->SH;
    g->OW = (g->W + g->SW - 1) / g->SW;
    int64_t ph = (g->OH - 1) * g->SH + eff_h - g->H, pw = (g->OW - 1) * g->SW + eff_w - g->W;
    g->PT = ph > 0 ? ph / 2 : 0;
    g->PL = pw > 0 ? pw / 2 : 0;
  } else {
    if (g->H < eff_h || g->W < eff_w) {
      return -1;
    }
    g->OH = (g->H - eff_h + g->SH) / g->SH;
    g->OW = (g->W - eff_w + g->SW) / g->SW;
    g->PT = 0;
    g->PL = 0;
  }
  return 0;
}

/* ---- threads ---- */

typedef void (*pe_task)(const void* ctx, int64_t begin, int64_t end);

typedef struct {
  pe_task fn;
  const void* ctx;
  int64_t begin, end;
} pe_chunk;

static void* pe_run_chunk(void* p) {
  pe_chunk* c = (pe_chunk*)p;
  c->fn(c->ctx, c->begin, c->end);
  return NULL;
}

/*
 * Runs fn over [0, n) in contiguous chunks, one per thread (the caller's thread takes the first).
 * Few multiply-adds (macs in all) run on the caller's thread alone: starting threads would cost
 * more than they save.
 */
void pe_parallel(int threads, int64_t n, double macs, pe_task fn, const void* ctx) {
  int64_t t = threads < 1 ? 1 : threads;
  if (t > PE_MAX_THREADS) t = PE_MAX_THREADS;
  if (t > n) t = n;
  if (macs < PE_MIN_PARALLEL_MACS) t = 1;
  if (t <= 1) {
    if (n > 0) fn(ctx, 0, n);
    return;
  }
  pe_chunk chunks[PE_MAX_THREADS];
  pthread_t ids[PE_MAX_THREADS];
  int started[PE_MAX_THREADS] = {0};
  for (int64_t i = 0; i < t; i++) {
    chunks[i].fn = fn;
    chunks[i].ctx = ctx;
    chunks[i].begin = n * i / t;
    chunks[i].end = n * (i + 1) / t;
  }
  for (int64_t i = 1; i < t; i++) {
    started[i] = pthread_create(&ids[i], NULL, pe_run_chunk, &chunks[i]) == 0;
  }
  pe_run_chunk(&chunks[0]);
  for (int64_t i = 1; i < t; i++) {
    if (started[i]) {
      pthread_join(ids[i], NULL);
    } else {
      pe_run_chunk(&chunks[i]); /* no thread to be had: this one does the work */
    }
  }
}

/* ---- depthwise ---- */

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* w;
  const float* dy;
  float* out;
  const float* zeros; /* C zeros: the input outside the image */
} pe_depthwise_ctx;

/*
 * Units are (example, tile of PE_P output pixels, row-major). With multiplier 1 the channels run in
 * PE_V-wide vectors, each weight vector feeding the PE_P pixels; the last partial vector, and
 * every channel of a multiplier above 1, run as scalars.
 */
#define PE_MAX_TAPS 64 /* windows up to 8 x 8 keep their input pointers on the stack */

PE_CLONES static void pe_fwd_depthwise_tiles(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  const int64_t pixels = g->OH * g->OW, tiles = (pixels + PE_P - 1) / PE_P;
  const int64_t vec_end = M == 1 && taps <= PE_MAX_TAPS ? C / PE_V * PE_V : 0;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / tiles, t0 = u % tiles * PE_P, np = min64(PE_P, pixels - t0);
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wb = c->w + b * taps * N;
    float* yb = c->out + (b * pixels + t0) * N;
    int64_t row[PE_P], col[PE_P];
    for (int p = 0; p < PE_P; p++) {
      int64_t i = p < np ? t0 + p : t0;
      row[p] = i / g->OW * g->SH - g->PT;
      col[p] = i % g->OW * g->SW - g->PL;
    }
    if (vec_end > 0) {
      /* Where each pixel of the tile reads at each tap (the zero row outside the image), found
         once for all the channel vectors. */
      const float* src[PE_MAX_TAPS][PE_P];
      for (int64_t t = 0; t < taps; t++) {
        int64_t kh = t / g->KW, kw = t % g->KW;
        for (int p = 0; p < PE_P; p++) {
          int64_t ih = row[p] + kh * g->DH, iw = col[p] + kw * g->DW;
          src[t][p] = p < np && ih >= 0 && ih < g->H && iw >= 0 && iw < g->W
                          ? xb + (ih * g->W + iw) * C : c->zeros;
        }
      }
      for (int64_t cb = 0; cb < vec_end; cb += PE_V) {
        pe_vec acc[PE_P];
        memset(acc, 0, sizeof acc);
        for (int64_t t = 0; t < taps; t++) {
          pe_vec wv;
          memcpy(&wv, wb + t * N + cb, sizeof wv);
          for (int p = 0; p < PE_P; p++) {
            pe_vec xv;
            memcpy(&xv, src[t][p] + cb, sizeof xv);
            acc[p] += wv * xv;
          }
        }
        for (int64_t p = 0; p < np; p++) memcpy(yb + p * N + cb, &acc[p], sizeof acc[p]);
      }
    }
    for (int64_t p = 0; p < np; p++) {
      float* yo = yb + p * N;
      for (int64_t o = vec_end; o < N; o++) yo[o] = 0;
      for (int64_t kh = 0; kh < g->KH; kh++) {
        for (int64_t kw = 0; kw < g->KW; kw++) {
          int64_t ih = row[p] + kh * g->DH, iw = col[p] + kw * g->DW;
          if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) continue;
          const float* xs = xb + (ih * g->W + iw) * C;
          const float* wt = wb + (kh * g->KW + kw) * N;
          for (int64_t o = vec_end; o < N; o++) yo[o] += xs[o / M] * wt[o];
        }
      }
    }
  }
}

PE_CLONES static void pe_dx_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / g->H, ih = u % g->H;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    const float* wb = c->w + b * taps * N;
    for (int64_t iw = 0; iw < g->W; iw++) {
      float* dxo = c->out + ((b * g->H + ih) * g->W + iw) * C;
      memset(dxo, 0, (size_t)C * sizeof(float));
      for (int64_t kh = 0; kh < g->KH; kh++) {
        int64_t t = ih + g->PT - kh * g->DH;
        if (t < 0 || t % g->SH != 0 || t / g->SH >= g->OH) continue;
        for (int64_t kw = 0; kw < g->KW; kw++) {
          int64_t s = iw + g->PL - kw * g->DW;
          if (s < 0 || s % g->SW != 0 || s / g->SW >= g->OW) continue;
          const float* dys = dyb + (t / g->SH * g->OW + s / g->SW) * N;
          const float* wt = wb + (kh * g->KW + kw) * N;
          if (M == 1) {
            for (int64_t j = 0; j < C; j++) dxo[j] += dys[j] * wt[j];
          } else {
            for (int64_t j = 0; j < C; j++) {
              float sum = 0;
              for (int64_t m = 0; m < M; m++) sum += dys[j * M + m] * wt[j * M + m];
              dxo[j] += sum;
            }
          }
        }
      }
    }
  }
}

PE_CLONES static void pe_dw_depthwise_taps(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / taps, tap = u % taps, kh = tap / g->KW, kw = tap % g->KW;
    const float* xb = c->x + b * g->H * g->W * C;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    float* dwt = c->out + (b * taps + tap) * N;
    memset(dwt, 0, (size_t)N * sizeof(float));
    for (int64_t oh = 0; oh < g->OH; oh++) {
      int64_t ih = oh * g->SH + kh * g->DH - g->PT;
      if (ih < 0 || ih >= g->H) continue;
      for (int64_t ow = 0; ow < g->OW; ow++) {
        int64_t iw = ow * g->SW + kw * g->DW - g->PL;
        if (iw < 0 || iw >= g->W) continue;
        const float* xs = xb + (ih * g->W + iw) * C;
        const float* dys = dyb + (oh * g->OW + ow) * N;
        if (M == 1) {
          for (int64_t j = 0; j < N; j++) dwt[j] += xs[j] * dys[j];
        } else {
          for (int64_t j = 0; j < N; j++) dwt[j] += xs[j / M] * dys[j];
        }
      }
    }
  }
}

/* ---- entry points ---- */

static int pe_threads(int threads) {
  if (threads > 0) return threads;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static double pe_macs(const pe_geometry* g) {
  double per_out = (double)g->KH * g->KW * (g->depthwise ? 1 : g->C);
  return per_out * g->B * g->OH * g->OW * g->Cout;
}

/*
 * The regular build for this CPU: AVX-512 (x86-64-v4), AVX2 with FMA (x86-64-v3), or baseline.
 * DYNCONV_KERNELS_ISA=avx2 or base caps it (the tests run every build this CPU has).
 */
typedef enum { PE_BASE, PE_AVX2, PE_AVX512 } pe_isa;

static pe_isa pe_detect_isa(void) {
  pe_isa isa = PE_BASE;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__cplusplus) && defined(PE_HAVE_ISA_BUILDS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2")) {
    isa = PE_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
      isa = PE_AVX512;
    }
  }
#endif
  const char* cap = getenv("DYNCONV_KERNELS_ISA");
  if (cap != NULL && strcmp(cap, "base") == 0) isa = PE_BASE;
  if (cap != NULL && strcmp(cap, "avx2") == 0 && isa > PE_AVX2) isa = PE_AVX2;
  return isa;
}

static pthread_once_t pe_isa_once = PTHREAD_ONCE_INIT;
static pe_isa pe_isa_found = PE_BASE;

static void pe_find_isa(void) { pe_isa_found = pe_detect_isa(); }

static pe_isa pe_current_isa(void) {
  pthread_once(&pe_isa_once, pe_find_isa);
  return pe_isa_found;
}

void pe_forward(const pe_geometry* g, const float* x, const float* w, float* y, int threads) {
  int t = pe_threads(threads);
  double macs = pe_macs(g);
  if (g->depthwise) {
    float* zeros = (float*)calloc((size_t)(g->C > 0 ? g->C : 1), sizeof(float));
    if (zeros == NULL) abort();
    pe_depthwise_ctx c = {g, x, w, NULL, y, zeros};
    pe_parallel(t, g->B * ((g->OH * g->OW + PE_P - 1) / PE_P), macs, pe_fwd_depthwise_tiles, &c);
    free(zeros);
    return;
  }
  switch (pe_current_isa()) {
    case PE_AVX512: pe_regular_forward_avx512(g, x, w, y, t, macs); break;
    case PE_AVX2: pe_regular_forward_avx2(g, x, w, y, t, macs); break;
    default: pe_regular_forward_base(g, x, w, y, t, macs); break;
  }
}

void pe_backward(const pe_geometry* g, const float* x, const float* w, const float* dy, float* dx,
                 float* dw, int threads) {
  int t = pe_threads(threads);
  double macs = pe_macs(g);
  const int64_t taps = g->KH * g->KW;
  if (g->depthwise) {
    if (dx != NULL) {
      pe_depthwise_ctx c = {g, x, w, dy, dx, NULL};
      pe_parallel(t, g->B * g->H, macs, pe_dx_depthwise_rows, &c);
    }
    if (dw != NULL) {
      pe_depthwise_ctx c = {g, x, w, dy, dw, NULL};
      pe_parallel(t, g->B * taps, macs, pe_dw_depthwise_taps, &c);
    }
    return;
  }
  switch (pe_current_isa()) {
    case PE_AVX512: pe_regular_backward_avx512(g, x, w, dy, dx, dw, t, macs); break;
    case PE_AVX2: pe_regular_backward_avx2(g, x, w, dy, dx, dw, t, macs); break;
    default: pe_regular_backward_base(g, x, w, dy, dx, dw, t, macs); break;
  }
}

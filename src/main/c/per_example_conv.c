/*
 * Per-example convolution: the loops (see per_example_conv.h for the formula and shapes).
 *
 * How it is fast. Regular convolutions (forward, and both gradients) are register-tiled: a tile
 * of PE_P output pixels x PE_V output channels stays in vector registers while the reduction runs
 * over the taps and input channels, so each weight vector loaded from the cache feeds PE_P fused
 * multiply-adds. The weights of each example are first repacked into PE_V-channel panels, zero
 * padded, so the inner loop reads one contiguous stream. Depthwise convolutions vectorise over
 * channels. The hot functions are compiled three times (AVX-512, AVX2 with FMA, baseline x86-64)
 * and the loader picks the one this CPU runs (GCC's target_clones). Work is split over threads by
 * output rows (or, for the kernels' gradient, by kernel taps and channels): every element is
 * summed by one thread in a fixed order, so results do not depend on the number of threads.
 */
#include "per_example_conv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PE_V 16 /* output channels per tile: one AVX-512 register, two AVX2 ones */
#define PE_P 6  /* output pixels per tile */
#define PE_MIN_PARALLEL_MACS (1 << 17) /* below this a call runs on one thread */
#define PE_MAX_THREADS 64

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__cplusplus)
#define PE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PE_CLONES
#endif

typedef float pe_vec __attribute__((vector_size(PE_V * sizeof(float))));

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

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
static void pe_parallel(int threads, int64_t n, double macs, pe_task fn, const void* ctx) {
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

/* ---- register tiles ---- */

/* acc[p] += panel[k] * src[p][k] over k < K: PE_P pixels, one PE_V-channel panel row per k. */
#define PE_TILE_REDUCE(acc, src, panel, K)                     \
  for (int64_t k_ = 0; k_ < (K); k_++) {                       \
    pe_vec wv_;                                                \
    memcpy(&wv_, (panel) + k_ * PE_V, sizeof wv_);             \
    for (int p_ = 0; p_ < PE_P; p_++) acc[p_] += wv_ * src[p_][k_]; \
  }

/* Stores the first n lanes of v at dst. */
#define PE_STORE(dst, v, n)                                    \
  do {                                                         \
    float t_[PE_V];                                            \
    memcpy(t_, &(v), sizeof t_);                               \
    memcpy((dst), t_, (size_t)(n) * sizeof(float));            \
  } while (0)

/* Repacks a [taps][K][N] matrix into [N / PE_V panels][taps][K][PE_V], zero padded in N. */
static void pe_pack_panels(const float* m, int64_t taps, int64_t K, int64_t N, float* out) {
  int64_t NP = round_up(N, PE_V);
  for (int64_t nb = 0; nb < NP; nb += PE_V) {
    for (int64_t t = 0; t < taps; t++) {
      for (int64_t k = 0; k < K; k++) {
        const float* row = m + (t * K + k) * N;
        float* o = out + ((nb / PE_V * taps + t) * K + k) * PE_V;
        for (int64_t j = 0; j < PE_V; j++) o[j] = nb + j < N ? row[nb + j] : 0.0f;
      }
    }
  }
}

/* Repacks w [taps][C][N] transposed, as [C / PE_V panels][taps][N][PE_V], zero padded in C. */
static void pe_pack_transposed(const float* m, int64_t taps, int64_t C, int64_t N, float* out) {
  int64_t CP = round_up(C, PE_V);
  for (int64_t cb = 0; cb < CP; cb += PE_V) {
    for (int64_t t = 0; t < taps; t++) {
      for (int64_t n = 0; n < N; n++) {
        float* o = out + ((cb / PE_V * taps + t) * N + n) * PE_V;
        for (int64_t j = 0; j < PE_V; j++) o[j] = cb + j < C ? m[(t * C + cb + j) * N + n] : 0.0f;
      }
    }
  }
}

/* ---- regular: forward ---- */

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* packed; /* per example: pe_pack_panels(w[b]) */
  float* y;
  const float* zeros;
} pe_fwd_ctx;

PE_CLONES static void pe_fwd_regular_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_fwd_ctx* c = (const pe_fwd_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, taps = g->KH * g->KW, NP = round_up(g->Cout, PE_V);
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / g->OH, oh = u % g->OH;
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wb = c->packed + b * taps * C * NP;
    float* yrow = c->y + (b * g->OH + oh) * g->OW * g->Cout;
    for (int64_t ow0 = 0; ow0 < g->OW; ow0 += PE_P) {
      int64_t np = min64(PE_P, g->OW - ow0);
      for (int64_t nb = 0; nb < NP; nb += PE_V) {
        pe_vec acc[PE_P];
        memset(acc, 0, sizeof acc);
        for (int64_t kh = 0; kh < g->KH; kh++) {
          int64_t ih = oh * g->SH + kh * g->DH - g->PT;
          if (ih < 0 || ih >= g->H) continue;
          for (int64_t kw = 0; kw < g->KW; kw++) {
            const float* src[PE_P];
            for (int p = 0; p < PE_P; p++) {
              int64_t iw = (ow0 + p) * g->SW + kw * g->DW - g->PL;
              src[p] = p < np && iw >= 0 && iw < g->W ? xb + (ih * g->W + iw) * C : c->zeros;
            }
            const float* panel = wb + ((nb / PE_V * taps) + kh * g->KW + kw) * C * PE_V;
            PE_TILE_REDUCE(acc, src, panel, C);
          }
        }
        for (int64_t p = 0; p < np; p++) {
          PE_STORE(yrow + (ow0 + p) * g->Cout + nb, acc[p], min64(PE_V, g->Cout - nb));
        }
      }
    }
  }
}

/* ---- regular: gradient of the input (a gather over the outputs each input pixel feeds) ---- */

typedef struct {
  const pe_geometry* g;
  const float* dy;
  const float* packed; /* per example: pe_pack_transposed(w[b]) */
  float* dx;
  const float* zeros;
} pe_dx_ctx;

PE_CLONES static void pe_dx_regular_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_dx_ctx* c = (const pe_dx_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, CP = round_up(C, PE_V);
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / g->H, ih = u % g->H;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    const float* wb = c->packed + b * taps * N * CP;
    float* dxrow = c->dx + (b * g->H + ih) * g->W * C;
    for (int64_t iw0 = 0; iw0 < g->W; iw0 += PE_P) {
      int64_t np = min64(PE_P, g->W - iw0);
      for (int64_t cb = 0; cb < CP; cb += PE_V) {
        pe_vec acc[PE_P];
        memset(acc, 0, sizeof acc);
        for (int64_t kh = 0; kh < g->KH; kh++) {
          int64_t t = ih + g->PT - kh * g->DH;
          if (t < 0 || t % g->SH != 0 || t / g->SH >= g->OH) continue;
          const float* dyrow = dyb + t / g->SH * g->OW * N;
          for (int64_t kw = 0; kw < g->KW; kw++) {
            const float* src[PE_P];
            for (int p = 0; p < PE_P; p++) {
              int64_t s = iw0 + p + g->PL - kw * g->DW;
              src[p] = p < np && s >= 0 && s % g->SW == 0 && s / g->SW < g->OW
                           ? dyrow + s / g->SW * N : c->zeros;
            }
            const float* panel = wb + ((cb / PE_V * taps) + kh * g->KW + kw) * N * PE_V;
            PE_TILE_REDUCE(acc, src, panel, N);
          }
        }
        for (int64_t p = 0; p < np; p++) {
          PE_STORE(dxrow + (iw0 + p) * C + cb, acc[p], min64(PE_V, C - cb));
        }
      }
    }
  }
}

/* ---- regular: gradient of the kernels, dw[b, tap] = x_tap^T dy, PE_P input channels a tile ---- */

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* dy_padded; /* dy with Cout zero padded to a multiple of PE_V */
  float* dw;
} pe_dw_ctx;

PE_CLONES static void pe_dw_regular_tiles(const void* vc, int64_t begin, int64_t end) {
  const pe_dw_ctx* c = (const pe_dw_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, NP = round_up(N, PE_V), taps = g->KH * g->KW;
  const int64_t cblocks = (C + PE_P - 1) / PE_P;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / (taps * cblocks), r = u % (taps * cblocks);
    int64_t tap = r / cblocks, c0 = r % cblocks * PE_P, kh = tap / g->KW, kw = tap % g->KW;
    int64_t nc = min64(PE_P, C - c0);
    const float* xb = c->x + b * g->H * g->W * C;
    const float* dyb = c->dy_padded + b * g->OH * g->OW * NP;
    for (int64_t nb = 0; nb < NP; nb += PE_V) {
      pe_vec acc[PE_P];
      memset(acc, 0, sizeof acc);
      for (int64_t oh = 0; oh < g->OH; oh++) {
        int64_t ih = oh * g->SH + kh * g->DH - g->PT;
        if (ih < 0 || ih >= g->H) continue;
        for (int64_t ow = 0; ow < g->OW; ow++) {
          int64_t iw = ow * g->SW + kw * g->DW - g->PL;
          if (iw < 0 || iw >= g->W) continue;
          const float* xs = xb + (ih * g->W + iw) * C + c0;
          float xv[PE_P] = {0};
          for (int64_t p = 0; p < nc; p++) xv[p] = xs[p];
          pe_vec d;
          memcpy(&d, dyb + (oh * g->OW + ow) * NP + nb, sizeof d);
          for (int p = 0; p < PE_P; p++) acc[p] += d * xv[p];
        }
      }
      float* out = c->dw + ((b * taps + tap) * C + c0) * N + nb;
      for (int64_t p = 0; p < nc; p++) PE_STORE(out + p * N, acc[p], min64(PE_V, N - nb));
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
} pe_dw_plain_ctx;

#define PE_DEPTH_BLOCK 64 /* channels summed in registers at once (M = 1) */

PE_CLONES static void pe_fwd_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_dw_plain_ctx* c = (const pe_dw_plain_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / g->OH, oh = u % g->OH;
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wb = c->w + b * taps * N;
    for (int64_t ow = 0; ow < g->OW; ow++) {
      float* yo = c->out + ((b * g->OH + oh) * g->OW + ow) * N;
      for (int64_t c0 = 0; c0 < N; c0 += PE_DEPTH_BLOCK) {
        int64_t nc = min64(PE_DEPTH_BLOCK, N - c0);
        float acc[PE_DEPTH_BLOCK] = {0};
        for (int64_t kh = 0; kh < g->KH; kh++) {
          int64_t ih = oh * g->SH + kh * g->DH - g->PT;
          if (ih < 0 || ih >= g->H) continue;
          for (int64_t kw = 0; kw < g->KW; kw++) {
            int64_t iw = ow * g->SW + kw * g->DW - g->PL;
            if (iw < 0 || iw >= g->W) continue;
            const float* xs = xb + (ih * g->W + iw) * C;
            const float* wt = wb + (kh * g->KW + kw) * N + c0;
            if (M == 1 && nc == PE_DEPTH_BLOCK) {
              for (int j = 0; j < PE_DEPTH_BLOCK; j++) acc[j] += xs[c0 + j] * wt[j];
            } else {
              for (int64_t j = 0; j < nc; j++) acc[j] += xs[(c0 + j) / M] * wt[j];
            }
          }
        }
        memcpy(yo + c0, acc, (size_t)nc * sizeof(float));
      }
    }
  }
}

PE_CLONES static void pe_dx_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_dw_plain_ctx* c = (const pe_dw_plain_ctx*)vc;
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
  const pe_dw_plain_ctx* c = (const pe_dw_plain_ctx*)vc;
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

void pe_forward(const pe_geometry* g, const float* x, const float* w, float* y, int threads) {
  int t = pe_threads(threads);
  double macs = pe_macs(g);
  if (g->depthwise) {
    pe_dw_plain_ctx c = {g, x, w, NULL, y};
    pe_parallel(t, g->B * g->OH, macs, pe_fwd_depthwise_rows, &c);
    return;
  }
  const int64_t taps = g->KH * g->KW, NP = round_up(g->Cout, PE_V);
  float* packed = (float*)malloc((size_t)(g->B * taps * g->C * NP) * sizeof(float));
  float* zeros = (float*)calloc((size_t)(g->C > 0 ? g->C : 1), sizeof(float));
  if (packed == NULL || zeros == NULL) abort(); /* as TensorFlow's own allocator does */
  for (int64_t b = 0; b < g->B; b++) {
    pe_pack_panels(w + b * taps * g->C * g->Cout, taps, g->C, g->Cout,
                   packed + b * taps * g->C * NP);
  }
  pe_fwd_ctx c = {g, x, packed, y, zeros};
  pe_parallel(t, g->B * g->OH, macs, pe_fwd_regular_rows, &c);
  free(zeros);
  free(packed);
}

void pe_backward(const pe_geometry* g, const float* x, const float* w, const float* dy, float* dx,
                 float* dw, int threads) {
  int t = pe_threads(threads);
  double macs = pe_macs(g);
  const int64_t taps = g->KH * g->KW;
  if (g->depthwise) {
    if (dx != NULL) {
      pe_dw_plain_ctx c = {g, x, w, dy, dx};
      pe_parallel(t, g->B * g->H, macs, pe_dx_depthwise_rows, &c);
    }
    if (dw != NULL) {
      pe_dw_plain_ctx c = {g, x, w, dy, dw};
      pe_parallel(t, g->B * taps, macs, pe_dw_depthwise_taps, &c);
    }
    return;
  }
  const int64_t C = g->C, N = g->Cout, CP = round_up(C, PE_V), NP = round_up(N, PE_V);
  if (dx != NULL) {
    float* packed = (float*)malloc((size_t)(g->B * taps * N * CP) * sizeof(float));
    float* zeros = (float*)calloc((size_t)(N > 0 ? N : 1), sizeof(float));
    if (packed == NULL || zeros == NULL) abort();
    for (int64_t b = 0; b < g->B; b++) {
      pe_pack_transposed(w + b * taps * C * N, taps, C, N, packed + b * taps * N * CP);
    }
    pe_dx_ctx c = {g, dy, packed, dx, zeros};
    pe_parallel(t, g->B * g->H, macs, pe_dx_regular_rows, &c);
    free(zeros);
    free(packed);
  }
  if (dw != NULL) {
    const int64_t pixels = g->B * g->OH * g->OW;
    const float* padded = dy;
    float* copy = NULL;
    if (NP != N) {
      copy = (float*)calloc((size_t)(pixels * NP), sizeof(float));
      if (copy == NULL) abort();
      for (int64_t i = 0; i < pixels; i++) memcpy(copy + i * NP, dy + i * N, (size_t)N * sizeof(float));
      padded = copy;
    }
    pe_dw_ctx c = {g, x, padded, dw};
    pe_parallel(t, g->B * taps * ((C + PE_P - 1) / PE_P), macs, pe_dw_regular_tiles, &c);
    free(copy);
  }
}

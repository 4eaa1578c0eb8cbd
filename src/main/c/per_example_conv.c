/*
 * Per-example convolution: the loops (see per_example_conv.h for the formula and shapes).
 *
 * How it is fast. Regular convolutions (forward, and both gradients) are register-tiled: a tile
 * of PE_P output pixels x PE_V output channels stays in vector registers while the reduction runs
 * over the taps and input channels, so each weight vector loaded from the cache feeds PE_P fused
 * multiply-adds; a unit of work is one example and one PE_V-channel panel, swept over every pixel,
 * so the panel stays in cache. Panels are read in place where they are whole; a partial last
 * panel, and the transposed panels of the input's gradient, are copied by the unit that uses them. Depthwise convolutions vectorise over
 * channels. The hot functions are compiled three times (AVX-512, AVX2 with FMA, baseline x86-64)
 * and the loader picks the one this CPU runs (GCC's target_clones). Work is split over threads by
 * example and panel, or example and pixel tile (for the kernels' gradient, by tap and channels):
 * every element is summed by one thread in a fixed order, so results do not depend on the number
 * of threads.
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

/* GCC 11 named the x86-64-v3 and -v4 levels; other compilers get the portable build only. */
#if defined(__x86_64__) && defined(__GNUC__) && __GNUC__ >= 11 && !defined(__clang__) && \
    !defined(__cplusplus)
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

/*
 * acc[p] += panel[k] * src[p][k] over k < K: PE_P pixels, one PE_V-channel row of the panel per k,
 * rows `stride` floats apart.
 */
#define PE_TILE_REDUCE(acc, src, panel, stride, K)             \
  for (int64_t k_ = 0; k_ < (K); k_++) {                       \
    pe_vec wv_;                                                \
    memcpy(&wv_, (panel) + k_ * (stride), sizeof wv_);         \
    for (int p_ = 0; p_ < PE_P; p_++) acc[p_] += wv_ * src[p_][k_]; \
  }

/* Stores the first n lanes of v at dst. */
#define PE_STORE(dst, v, n)                                    \
  do {                                                         \
    float t_[PE_V];                                            \
    memcpy(t_, &(v), sizeof t_);                               \
    memcpy((dst), t_, (size_t)(n) * sizeof(float));            \
  } while (0)

/*
 * Copies channels [n0, n0 + PE_V) of a [taps * K][N] matrix into a [taps * K][PE_V] panel, zero
 * beyond N: the last, partial panel of a row (full panels are read in place).
 */
static void pe_pack_tail(const float* m, int64_t rows, int64_t N, int64_t n0, float* out) {
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t j = 0; j < PE_V; j++) out[r * PE_V + j] = n0 + j < N ? m[r * N + n0 + j] : 0.0f;
  }
}

/* Channels [c0, c0 + PE_V) of w [taps][C][N], transposed to a [taps * N][PE_V] panel, zero padded. */
static void pe_pack_transposed(const float* m, int64_t taps, int64_t C, int64_t N, int64_t c0,
                               float* out) {
  for (int64_t t = 0; t < taps; t++) {
    for (int64_t n = 0; n < N; n++) {
      float* o = out + (t * N + n) * PE_V;
      for (int64_t j = 0; j < PE_V; j++) o[j] = c0 + j < C ? m[(t * C + c0 + j) * N + n] : 0.0f;
    }
  }
}

/* ---- regular: forward ---- */

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* w;
  float* y;
  const float* zeros;
} pe_fwd_ctx;

/*
 * Units are (example, PE_V-channel panel): a unit sweeps every output pixel of its example, PE_P
 * pixels (row-major, across rows) a tile, so its panel of weights (taps * C * PE_V floats) stays in
 * cache for the whole sweep.
 */
PE_CLONES static void pe_fwd_regular_panels(const void* vc, int64_t begin, int64_t end) {
  const pe_fwd_ctx* c = (const pe_fwd_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, taps = g->KH * g->KW, NP = round_up(g->Cout, PE_V), panels = NP / PE_V;
  const int64_t pixels = g->OH * g->OW;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / panels, nb = u % panels * PE_V;
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wfull = c->w + b * taps * C * g->Cout;
    /* A full panel is read in place, rows Cout apart; the partial last one is copied, padded. */
    const float* wb = wfull + nb;
    int64_t stride = g->Cout;
    float* tail = NULL;
    if (nb + PE_V > g->Cout) {
      tail = (float*)malloc((size_t)(taps * C * PE_V) * sizeof(float));
      if (tail == NULL) abort();
      pe_pack_tail(wfull, taps * C, g->Cout, nb, tail);
      wb = tail;
      stride = PE_V;
    }
    float* yb = c->y + b * pixels * g->Cout;
    for (int64_t t0 = 0; t0 < pixels; t0 += PE_P) {
      int64_t np = min64(PE_P, pixels - t0);
      int64_t row[PE_P], col[PE_P];
      for (int p = 0; p < PE_P; p++) {
        int64_t i = p < np ? t0 + p : t0;
        row[p] = i / g->OW * g->SH - g->PT;
        col[p] = i % g->OW * g->SW - g->PL;
      }
      pe_vec acc[PE_P];
      memset(acc, 0, sizeof acc);
      for (int64_t kh = 0; kh < g->KH; kh++) {
        for (int64_t kw = 0; kw < g->KW; kw++) {
          const float* src[PE_P];
          for (int p = 0; p < PE_P; p++) {
            int64_t ih = row[p] + kh * g->DH, iw = col[p] + kw * g->DW;
            src[p] = p < np && ih >= 0 && ih < g->H && iw >= 0 && iw < g->W
                         ? xb + (ih * g->W + iw) * C : c->zeros;
          }
          const float* panel = wb + (kh * g->KW + kw) * C * stride;
          PE_TILE_REDUCE(acc, src, panel, stride, C);
        }
      }
      for (int64_t p = 0; p < np; p++) {
        PE_STORE(yb + (t0 + p) * g->Cout + nb, acc[p], min64(PE_V, g->Cout - nb));
      }
    }
    free(tail);
  }
}

/* ---- regular: gradient of the input (a gather over the outputs each input pixel feeds) ---- */

typedef struct {
  const pe_geometry* g;
  const float* dy;
  const float* w;
  float* dx;
  const float* zeros;
} pe_dx_ctx;

/* Units are (example, PE_V-input-channel panel), sweeping every input pixel PE_P at a time. */
PE_CLONES static void pe_dx_regular_panels(const void* vc, int64_t begin, int64_t end) {
  const pe_dx_ctx* c = (const pe_dx_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, CP = round_up(C, PE_V);
  const int64_t panels = CP / PE_V, pixels = g->H * g->W;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / panels, cb = u % panels * PE_V;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    /* This unit's input channels of w[b], transposed so that they run along the vectors. */
    float* wb = (float*)malloc((size_t)(taps * N * PE_V) * sizeof(float));
    if (wb == NULL) abort();
    pe_pack_transposed(c->w + b * taps * C * N, taps, C, N, cb, wb);
    float* dxb = c->dx + b * pixels * C;
    for (int64_t t0 = 0; t0 < pixels; t0 += PE_P) {
      int64_t np = min64(PE_P, pixels - t0);
      int64_t row[PE_P], col[PE_P];
      for (int p = 0; p < PE_P; p++) {
        int64_t i = p < np ? t0 + p : t0;
        row[p] = i / g->W + g->PT;
        col[p] = i % g->W + g->PL;
      }
      pe_vec acc[PE_P];
      memset(acc, 0, sizeof acc);
      for (int64_t kh = 0; kh < g->KH; kh++) {
        for (int64_t kw = 0; kw < g->KW; kw++) {
          const float* src[PE_P];
          for (int p = 0; p < PE_P; p++) {
            int64_t t = row[p] - kh * g->DH, s = col[p] - kw * g->DW;
            src[p] = p < np && t >= 0 && t % g->SH == 0 && t / g->SH < g->OH && s >= 0 &&
                             s % g->SW == 0 && s / g->SW < g->OW
                         ? dyb + (t / g->SH * g->OW + s / g->SW) * N : c->zeros;
          }
          const float* panel = wb + (kh * g->KW + kw) * N * PE_V;
          PE_TILE_REDUCE(acc, src, panel, PE_V, N);
        }
      }
      for (int64_t p = 0; p < np; p++) {
        PE_STORE(dxb + (t0 + p) * C + cb, acc[p], min64(PE_V, C - cb));
      }
    }
    free(wb);
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
  const int64_t NP = round_up(g->Cout, PE_V);
  float* zeros = (float*)calloc((size_t)(g->C > 0 ? g->C : 1), sizeof(float));
  if (zeros == NULL) abort(); /* as TensorFlow's own allocator does */
  pe_fwd_ctx c = {g, x, w, y, zeros};
  pe_parallel(t, g->B * (NP / PE_V), macs, pe_fwd_regular_panels, &c);
  free(zeros);
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
  const int64_t C = g->C, N = g->Cout, CP = round_up(C, PE_V), NP = round_up(N, PE_V);
  if (dx != NULL) {
    float* zeros = (float*)calloc((size_t)(N > 0 ? N : 1), sizeof(float));
    if (zeros == NULL) abort();
    pe_dx_ctx c = {g, dy, w, dx, zeros};
    pe_parallel(t, g->B * (CP / PE_V), macs, pe_dx_regular_panels, &c);
    free(zeros);
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

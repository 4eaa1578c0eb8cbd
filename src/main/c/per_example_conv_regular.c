/*
 * Regular (non-depthwise) per-example convolution: the forward pass and both gradients, register
 * tiled. See per_example_conv.h for the formula and shapes.
 *
 * Every loop here is one reduction, acc[p][v] += panel[k][v] * src[p][k]: a tile of PE_P rows
 * (output pixels, input pixels, or input channels) by PE_NV vectors of PE_VW channels stays in
 * vector registers while k runs, so each vector loaded from the panel feeds PE_P fused
 * multiply-adds and each scalar broadcast from src feeds PE_NV.
 *
 *   forward  y[b, pixel, n]  k = (tap, input channel)   panel = w[b, tap, ci, n-block]
 *   dx       dx[b, pixel, c] k = (tap, output channel)  panel = w[b, tap, c-block, n] transposed
 *   dw       dw[b, tap, c, n] k = output pixel           panel = dy[b, pixel, n-block]
 *
 * build.sh compiles this file once per instruction set, with vectors of the set's own width and
 * the tile sized to fill its registers without spilling: x86-64-v4 12 x 2 vectors of 16 floats
 * (24 of 32 zmm registers), x86-64-v3 6 x 2 of 8 (12 of 16 ymm), baseline x86-64 6 x 2 of 4 (12
 * of 16 xmm); per_example_conv.c picks one at run time. (A vector wider than the registers would
 * be split by the compiler through memory, at a fifth of the speed.) The sums run in a fixed
 * order that does not depend on the number of threads, so results are bit-identical from run to
 * run (and differ between instruction sets only by rounding).
 */
#include <stdlib.h>
#include <string.h>

#include "per_example_conv_internal.h"

#ifndef PE_ISA /* a compile without build.sh's flags (the C++ header check): the baseline build */
#define PE_ISA base
#define PE_VW 4
#define PE_P 6
#define PE_NV 2
#endif

#define PE_W (PE_NV * PE_VW) /* channels a tile */

typedef float pe_vec __attribute__((vector_size(PE_VW * sizeof(float))));

/*
 * acc[p][v] += panel[j * pjump + k * stride + v-th vector] * src[p][j * xjump + k * step], for
 * j < J in order and k < K in order, p < n, v < nv: J runs of K terms (the kernel gradient's
 * output rows, J = 1 elsewhere) with the sums in registers throughout.
 */
static inline __attribute__((always_inline)) void pe_reduce_n(int n, int nv,
                                                              pe_vec acc[PE_P][PE_NV],
                                                              const float* const src[PE_P],
                                                              int64_t step, int64_t xjump,
                                                              const float* panel, int64_t stride,
                                                              int64_t pjump, int64_t J,
                                                              int64_t K) {
  /* Local copies, so that the sums and the row pointers stay in registers through the loop. */
  pe_vec a[PE_P][PE_NV];
  const float* x[PE_P];
  for (int p = 0; p < n; p++) {
    x[p] = src[p];
    for (int v = 0; v < nv; v++) a[p][v] = acc[p][v];
  }
  for (int64_t j = 0; j < J; j++) {
    for (int64_t k = 0; k < K; k++) {
      pe_vec wv[PE_NV];
      for (int v = 0; v < nv; v++) memcpy(&wv[v], panel + k * stride + v * PE_VW, sizeof wv[v]);
      for (int p = 0; p < n; p++) {
        float s = x[p][k * step];
        for (int v = 0; v < nv; v++) a[p][v] += wv[v] * s;
      }
    }
    panel += pjump;
    for (int p = 0; p < n; p++) x[p] += xjump;
  }
  for (int p = 0; p < n; p++) {
    for (int v = 0; v < nv; v++) acc[p][v] = a[p][v];
  }
}

/* pe_reduce_n for a partial tile, n < PE_P rows, compiled once per n and nv. */
#define PE_ROWS(n)                                                                   \
  case n:                                                                            \
    if (nv == PE_NV) {                                                               \
      pe_reduce_n(n, PE_NV, acc, src, step, xjump, panel, stride, pjump, J, K);      \
    } else {                                                                         \
      pe_reduce_n(n, 1, acc, src, step, xjump, panel, stride, pjump, J, K);          \
    }                                                                                \
    return;
static void pe_reduce_partial(int n, int nv, pe_vec acc[PE_P][PE_NV], const float* const src[PE_P],
                              int64_t step, int64_t xjump, const float* panel, int64_t stride,
                              int64_t pjump, int64_t J, int64_t K) {
  switch (n) {
    PE_ROWS(1) PE_ROWS(2) PE_ROWS(3) PE_ROWS(4) PE_ROWS(5)
#if PE_P > 6
    PE_ROWS(6) PE_ROWS(7) PE_ROWS(8) PE_ROWS(9) PE_ROWS(10) PE_ROWS(11)
#endif
#if PE_P != 6 && PE_P != 12
#error "PE_P: tiles of 6 or 12 rows"
#endif
    default:
      return;
  }
}
#undef PE_ROWS

/*
 * The reduction for the first n <= PE_P rows and nv (PE_NV, or 1) vectors of a tile: a full tile
 * inline (its sums stay in registers from call to call), a partial one (the last of 7 x 7 =
 * 4 x 12 + 1 output pixels, or of 13 input channels) through a loop compiled for its own number
 * of rows, so that it costs its rows' multiply-adds rather than a full tile's. One vector serves
 * a last panel of PE_VW channels or fewer (112 = 3 x 32 + 16 output channels with AVX-512),
 * whose second vector would add zeros.
 */
static inline __attribute__((always_inline)) void pe_reduce_runs(int n, int nv,
                                                                 pe_vec acc[PE_P][PE_NV],
                                                                 const float* const src[PE_P],
                                                                 int64_t step, int64_t xjump,
                                                                 const float* panel,
                                                                 int64_t stride, int64_t pjump,
                                                                 int64_t J, int64_t K) {
  if (n == PE_P && nv == PE_NV) {
    pe_reduce_n(PE_P, PE_NV, acc, src, step, xjump, panel, stride, pjump, J, K);
  } else if (n == PE_P) {
    pe_reduce_n(PE_P, 1, acc, src, step, xjump, panel, stride, pjump, J, K);
  } else {
    pe_reduce_partial(n, nv, acc, src, step, xjump, panel, stride, pjump, J, K);
  }
}

/* pe_reduce_runs with one run of K terms. */
static inline __attribute__((always_inline)) void pe_reduce(int n, int nv,
                                                            pe_vec acc[PE_P][PE_NV],
                                                            const float* const src[PE_P],
                                                            int64_t step, const float* panel,
                                                            int64_t stride, int64_t K) {
  pe_reduce_runs(n, nv, acc, src, step, 0, panel, stride, 0, 1, K);
}

/* The vectors a tile row needs for a panel whose channels from its first on number `left`: one
   where they fit in one (the last panel of 112 = 3 x 32 + 16 with AVX-512), whose sums are then
   the same as with two; the second vector's stay zero. */
static inline int pe_vectors(int64_t left) { return left <= PE_VW ? 1 : PE_NV; }

/* The tile rows [*p0, *p1) of [0, n) whose rows[p] + offset lies in [0, limit). The rows go in
   order, so those outside lead or trail the tile, and the caller leaves them out rather than
   feeding them zeros: a 3x3 layer at 7 x 7 spends a tenth of its multiply-adds on the rows above
   and below the image (SAME). 128 -> 128, batch 32: forward 3-13% faster, input gradient 2-6%
   (C harness, two builds in one process, 2026-12-06). */
static inline void pe_rows_inside(const int64_t* rows, int n, int64_t offset, int64_t limit,
                                  int* p0, int* p1) {
  int a = 0, b = n;
  while (a < b && (rows[a] + offset < 0 || rows[a] + offset >= limit)) a++;
  while (b > a && (rows[b - 1] + offset < 0 || rows[b - 1] + offset >= limit)) b--;
  *p0 = a;
  *p1 = b;
}

/* Stores the first n channels of row acc[p] at dst. */
static inline void pe_store_row(float* dst, const pe_vec row[PE_NV], int64_t n) {
  if (n == PE_W) {
    memcpy(dst, row, PE_W * sizeof(float));
  } else {
    float t[PE_W];
    memcpy(t, row, sizeof t);
    memcpy(dst, t, (size_t)n * sizeof(float));
  }
}

/* Channels [n0, n0 + PE_W) of the rows of a [rows][N] matrix, zero beyond N. */
static void pe_pack_columns(const float* m, int64_t rows, int64_t N, int64_t n0, float* out) {
  if (n0 + PE_W <= N) {
    for (int64_t r = 0; r < rows; r++) memcpy(out + r * PE_W, m + r * N + n0, PE_W * sizeof(float));
    return;
  }
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t j = 0; j < PE_W; j++) out[r * PE_W + j] = n0 + j < N ? m[r * N + n0 + j] : 0.0f;
  }
}

/* ---- forward ---- */

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* w;     /* per-example kernels, or NULL when mixed from the bank */
  const float* r;     /* routing [B, E] (mixed forward) */
  const float* bank;  /* [E, taps * C * Cout] (mixed forward) */
  int64_t E;
  float* y;
  const float* zeros; /* C zeros: the input outside the image */
  int64_t chunks;     /* pixel ranges an (example, panel) is split into */
  int group_outer;    /* mixed forward: units ordered by group of examples, then panel */
} pe_fwd_ctx;

/*
 * Output pixels [first, last) of example xb, channels [nb, nb + PE_W): the panel of weights wb
 * (taps * C rows, `stride` apart) stays in cache while the pixels pass PE_P at a time.
 */
static void pe_fwd_pixels(const pe_fwd_ctx* c, const float* xb, const float* wb, int64_t stride,
                          float* yb, int64_t nb, int64_t first, int64_t last) {
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout;
  const int nv = pe_vectors(N - nb);
  for (int64_t t0 = first; t0 < last; t0 += PE_P) {
    int64_t np = pe_min64(PE_P, last - t0);
    int64_t row[PE_P], col[PE_P];
    for (int p = 0; p < np; p++) {
      row[p] = (t0 + p) / g->OW * g->SH - g->PT;
      col[p] = (t0 + p) % g->OW * g->SW - g->PL;
    }
    pe_vec acc[PE_P][PE_NV];
    memset(acc, 0, sizeof acc);
    for (int64_t kh = 0; kh < g->KH; kh++) {
      /* Only the pixels whose input row, for this kh, lies inside the image. */
      int p0, p1;
      pe_rows_inside(row, (int)np, kh * g->DH, g->H, &p0, &p1);
      if (p0 == p1) continue;
      for (int64_t kw = 0; kw < g->KW; kw++) {
        const float* src[PE_P];
        for (int p = p0; p < p1; p++) {
          int64_t ih = row[p] + kh * g->DH, iw = col[p] + kw * g->DW;
          src[p] = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W ? xb + (ih * g->W + iw) * C
                                                                 : c->zeros;
        }
        pe_reduce(p1 - p0, nv, acc + p0, src + p0, 1, wb + (kh * g->KW + kw) * C * stride,
                  stride, C);
      }
    }
    for (int64_t p = 0; p < np; p++) pe_store_row(yb + (t0 + p) * N + nb, acc[p], pe_min64(PE_W, N - nb));
  }
}

/* Units are (example, PE_W-channel panel, range of output pixels), examples outermost. */
static void pe_fwd_units(const void* vc, int64_t begin, int64_t end) {
  const pe_fwd_ctx* c = (const pe_fwd_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, panels = pe_ceil_div(N, PE_W);
  const int64_t pixels = g->OH * g->OW;
  /*
   * A panel read in place has its rows N floats apart. From N = 256 on they fall into a few of
   * the L1 cache's sets and evict each other while the pixels pass, so the panel is copied out,
   * rows PE_W apart, when enough pixels (two tiles or more) share the copy: a 192 -> 1152 1x1
   * layer at 7 x 7 ran its forward pass 2-32% faster copied (batch 32, six runs), 80 -> 480 at
   * 14 x 14 3-13%; at N = 128 and 192 copying measured no faster (C harness around pe_forward,
   * AVX-512, 2026-12-06). A partial last panel is always copied, zero padded.
   */
  const int copy_all = N >= 256 && pixels / c->chunks >= 2 * PE_P;
  float* panel = pe_alloc(taps * C * PE_W);
  int64_t packed = -1; /* the (example, panel) pair `panel` holds */
  for (int64_t u = begin; u < end; u++) {
    int64_t chunk = u % c->chunks, bp = u / c->chunks, b = bp / panels, nb = bp % panels * PE_W;
    const float* wfull = c->w + b * taps * C * N;
    const float* wb = wfull + nb;
    int64_t stride = N;
    if (copy_all || nb + PE_W > N) {
      if (bp != packed) {
        pe_pack_columns(wfull, taps * C, N, nb, panel);
        packed = bp;
      }
      wb = panel;
      stride = PE_W;
    }
    pe_fwd_pixels(c, c->x + b * g->H * g->W * C, wb, stride, c->y + b * pixels * N, nb,
                  pixels * chunk / c->chunks, pixels * (chunk + 1) / c->chunks);
  }
  free(panel);
}

/*
 * out[g][k][j] = sum over e (in order) of r[g][e] * packed[e][k][j] for the n <= PE_G examples g
 * of a group (r rows E apart, out panels rows * PE_W apart), k < rows, j < PE_W: one panel of
 * each example's kernel, mixed from the experts' packed panels. The group shares every load from
 * the packed panels (which would otherwise cost more than the multiply-adds: E loads per mixed
 * vector), and PE_MIX_ROWS rows at a time keep PE_G * PE_MIX_ROWS * PE_NV independent sums in
 * flight (one row's E terms in a chain would wait on the multiply-add's latency). The sums are
 * zeroed and stored a vector at a time from registers: zeroing them with memset and storing them
 * with a memcpy of a run-time length sent all of them through the stack for every E terms, and
 * mixing the 192 -> 1152 1x1 layer's panels (batch 32, E = 8) took 2.5 ms instead of 1.6 (C
 * harness, one thread, AVX-512, 2026-12-06).
 */
#define PE_G 4
#define PE_MIX_ROWS (PE_P / PE_G) /* 3 rows with AVX-512's 12-row tiles, 1 with 6 */
static inline __attribute__((always_inline)) void pe_mix_rows(const float* packed, int64_t E,
                                                              int64_t rows, const float* r, int n,
                                                              int64_t k0, int nk, float* out) {
  pe_vec acc[PE_G][PE_MIX_ROWS][PE_NV];
  for (int i = 0; i < PE_G; i++) {
    for (int p = 0; p < PE_MIX_ROWS; p++) {
      for (int v = 0; v < PE_NV; v++) acc[i][p][v] = (pe_vec){0};
    }
  }
  for (int64_t e = 0; e < E; e++) {
    const float* src = packed + (e * rows + k0) * PE_W;
    float s[PE_G];
    /* Examples past the group's last repeat its first; they are not stored. */
    for (int i = 0; i < PE_G; i++) s[i] = r[(i < n ? i : 0) * E + e];
    for (int p = 0; p < nk; p++) {
      for (int v = 0; v < PE_NV; v++) {
        pe_vec wv;
        memcpy(&wv, src + p * PE_W + v * PE_VW, sizeof wv);
        for (int i = 0; i < PE_G; i++) acc[i][p][v] += wv * s[i];
      }
    }
  }
  /* Vector by vector, so that the sums are stored from registers. */
  for (int i = 0; i < PE_G; i++) {
    for (int p = 0; p < nk; p++) {
      for (int v = 0; v < PE_NV; v++) {
        float* o = out + (i * rows + k0 + p) * PE_W + v * PE_VW;
        if (i < n) memcpy(o, &acc[i][p][v], sizeof(pe_vec));
      }
    }
  }
}

static void pe_mix_panels(const float* packed, int64_t E, int64_t rows, const float* r, int n,
                          float* out) {
  int64_t k0 = 0;
  /* Full blocks of rows through a loop compiled for PE_MIX_ROWS (its sums stay in registers),
     then what is left a row at a time. */
  for (; k0 + PE_MIX_ROWS <= rows; k0 += PE_MIX_ROWS) {
    pe_mix_rows(packed, E, rows, r, n, k0, PE_MIX_ROWS, out);
  }
  for (; k0 < rows; k0++) pe_mix_rows(packed, E, rows, r, n, k0, 1, out);
}

/*
 * Units are (PE_W-channel panel, group of PE_G examples, range of output pixels), panels
 * outermost: a thread's examples follow each other on one panel. When its panel changes, a
 * thread copies that panel of every expert into a packed buffer (E * taps * C * PE_W floats;
 * read in place, rows N apart, the experts' rows fall into a few of the cache's sets and evict
 * each other); each unit mixes its group's panels from the packed one into a second buffer, kept
 * while the next unit is another pixel range of the same group and panel, and convolves from it.
 * No per-example kernel is written to memory.
 *
 * With group_outer the units run group by group instead, every panel of a group before the next
 * group (pe_mixed_group_outer says when): the group's input stays in cache across its panels,
 * and the experts' panels are packed again for every group.
 */
static void pe_fwd_mixed_units(const void* vc, int64_t begin, int64_t end) {
  const pe_fwd_ctx* c = (const pe_fwd_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, rows = g->KH * g->KW * C, pixels = g->OH * g->OW;
  const int64_t groups = pe_ceil_div(g->B, PE_G), npanels = pe_ceil_div(N, PE_W);
  float* packed = pe_alloc(c->E * rows * PE_W);
  float* panels = pe_alloc(PE_G * rows * PE_W);
  int64_t packed_nb = -1, mixed = -1; /* the panel `packed` holds; the (panel, group) `panels` do */
  for (int64_t u = begin; u < end; u++) {
    int64_t chunk = u % c->chunks, pq = u / c->chunks;
    int64_t q = c->group_outer ? pq / npanels : pq % groups;
    int64_t nb = (c->group_outer ? pq % npanels : pq / groups) * PE_W;
    int64_t b0 = PE_G * q, n = pe_min64(PE_G, g->B - b0);
    if (nb != packed_nb) {
      for (int64_t e = 0; e < c->E; e++) {
        pe_pack_columns(c->bank + e * rows * N, rows, N, nb, packed + e * rows * PE_W);
      }
      packed_nb = nb;
    }
    if (pq != mixed) {
      pe_mix_panels(packed, c->E, rows, c->r + b0 * c->E, (int)n, panels);
      mixed = pq;
    }
    int64_t first = pixels * chunk / c->chunks, last = pixels * (chunk + 1) / c->chunks;
    for (int64_t i = 0; i < n; i++) {
      int64_t b = b0 + i;
      pe_fwd_pixels(c, c->x + b * g->H * g->W * C, panels + i * rows * PE_W, PE_W,
                    c->y + b * pixels * N, nb, first, last);
    }
  }
  free(panels);
  free(packed);
}

/*
 * Whether the mixed forward pass runs its units group by group (1) or panel by panel (0),
 * whichever re-reads fewer bytes from beyond the core's own caches. Panel by panel reads the
 * batch's input once per panel, from beyond L2 when it is larger than half of L2 (1 MB; below
 * that it stays there), and the bank once; group by group reads the bank once per group, and the
 * input once, while a group's input stays in L2 across its panels (at most 1 MB of it). The
 * bank's bytes count twice: group by group copies them out in rows PE_W wide (pe_pack_columns),
 * a strided read the prefetchers serve worse than the input's contiguous one. Counted once, the
 * rule took group by group for 960 -> 160 and 320 -> 1280 at 7 x 7 (E = 4; input read 1.5 times
 * the bank's bytes), 24% and 13% slower than panel by panel (C harness as below).
 *
 * C harness, batch 32, alternating runs, AVX-512, 2026-12-06: on the 1x1 layers of
 * efficientnet-condconv-b0 (E = 8) group by group was 6-9% faster for 80 -> 480 and 112 -> 672 at
 * 14 x 14 (their input read 15 and 21 times over against the bank 8 times) and slower for the
 * six others, which this rule keeps panel by panel; 14-21% faster on MobileNetV2-like expansions
 * (16 -> 96, 24 -> 144 and 32 -> 192 at 28 x 28, 64 -> 384 at 14 x 14), and 8% slower on
 * 160 -> 960 at 7 x 7, whose input (1 MB) stays in L2 panel by panel. The 1 MB bounds assume
 * that CPU's 2 MB of L2 a core; not measured on others (an EPYC core has 512 KB).
 */
static int pe_mixed_group_outer(const pe_geometry* g, int64_t E) {
  const double half_l2 = 1 << 20;
  const double x_all = (double)g->B * g->H * g->W * g->C * sizeof(float);
  const double x_group = (double)PE_G * g->H * g->W * g->C * sizeof(float);
  const double bank = (double)E * g->KH * g->KW * g->C * g->Cout * sizeof(float);
  const double groups = (double)pe_ceil_div(g->B, PE_G), panels = (double)pe_ceil_div(g->Cout, PE_W);
  return x_group <= half_l2 && x_all > half_l2 && 2 * bank * groups < x_all * panels;
}

/* ---- batch 1: the kernel mixed whole, then convolved ---- */

typedef struct {
  const float* r;
  const float* bank;
  int64_t E, P;
  float* w;
} pe_mix_ctx;

#define PE_MIX_BLOCK 4096 /* floats of the kernel a unit mixes: 16 KB, in L1 while E rows add */

static void pe_mix_blocks(const void* vc, int64_t begin, int64_t end) {
  const pe_mix_ctx* c = (const pe_mix_ctx*)vc;
  for (int64_t u = begin; u < end; u++) {
    int64_t i0 = u * PE_MIX_BLOCK, n = pe_min64(PE_MIX_BLOCK, c->P - i0);
    float* out = c->w + i0;
    for (int64_t i = 0; i < n; i++) out[i] = 0.0f;
    for (int64_t e = 0; e < c->E; e++) {
      const float* src = c->bank + e * c->P + i0;
      float s = c->r[e];
      for (int64_t i = 0; i < n; i++) out[i] += src[i] * s;
    }
  }
}

/* A lone example's kernel, sum over e of r[e] * bank[e] (P floats), mixed whole on the threads;
   the caller frees it. */
static float* pe_mix_whole(const float* r, const float* bank, int64_t E, int64_t P, int threads) {
  float* w = pe_alloc(P);
  pe_mix_ctx m = {r, bank, E, P, w};
  pe_parallel(threads, pe_ceil_div(P, PE_MIX_BLOCK), (double)E * P, pe_mix_blocks, &m);
  return w;
}

/* Pixel ranges per (example, panel): few examples and panels (inference at a small batch) would
   leave threads idle, so the pixels are split. */
static int64_t pe_fwd_chunks(const pe_geometry* g, int threads) {
  const int64_t units = g->B * pe_ceil_div(g->Cout, PE_W), tiles = pe_ceil_div(g->OH * g->OW, PE_P);
  return pe_max64(1, pe_min64(tiles, pe_ceil_div(4 * (int64_t)threads, units)));
}

void PE_ENTRY(pe_regular_forward)(const pe_geometry* g, const float* x, const float* w, float* y,
                                  int threads, double macs) {
  int64_t chunks = pe_fwd_chunks(g, threads);
  float* zeros = pe_zeros(g->C);
  pe_fwd_ctx c = {g, x, w, NULL, NULL, 0, y, zeros, chunks, 0};
  pe_parallel(threads, g->B * pe_ceil_div(g->Cout, PE_W) * chunks, macs, pe_fwd_units, &c);
  free(zeros);
}

void PE_ENTRY(pe_regular_forward_mixed)(const pe_geometry* g, const float* x, const float* r,
                                        const float* bank, int64_t E, float* y, int threads,
                                        double macs) {
  const int64_t P = g->KH * g->KW * g->C * g->Cout;
  if (g->B == 1) {
    /* A lone example's packed panels would serve it alone: streaming the bank whole is faster
       than reading it a panel (strided rows) at a time. */
    float* w = pe_mix_whole(r, bank, E, P, threads);
    PE_ENTRY(pe_regular_forward)(g, x, w, y, threads, macs - (double)E * P);
    free(w);
    return;
  }
  pe_geometry groups = *g;
  groups.B = pe_ceil_div(g->B, PE_G); /* units are groups of examples */
  int64_t chunks = pe_fwd_chunks(&groups, threads);
  float* zeros = pe_zeros(g->C);
  pe_fwd_ctx c = {g, x, NULL, r, bank, E, y, zeros, chunks, pe_mixed_group_outer(g, E)};
  /* Panel by panel, a panel's units are a block: one thread packs that panel. */
  pe_parallel_blocks(threads, groups.B * pe_ceil_div(g->Cout, PE_W) * chunks,
                     c.group_outer ? 1 : groups.B * chunks, macs, pe_fwd_mixed_units, &c);
  free(zeros);
}

/* ---- gradient of the input: a gather over the outputs each input pixel feeds ---- */

typedef struct {
  const pe_geometry* g;
  const float* dy;
  const float* w;     /* per-example kernels, or NULL when mixed from the bank */
  const float* r;     /* routing [B, E] (mixed) */
  const float* bank;  /* [E, taps * C * Cout] (mixed) */
  int64_t E;
  float* dx;
  const float* zeros; /* Cout zeros: outputs outside the output image */
} pe_dx_ctx;

/* GCC's __builtin_shuffle transposes blocks in registers; other compilers (clang has no such
   builtin) transpose a float at a time. */
#if defined(__GNUC__) && !defined(__clang__)
#define PE_SHUFFLE 1
/* Lane l of the result: a[l] where lane l is in the lower half of its block of 2 * h lanes,
   else b[l - h] (hi = 0); or a[l + h] and b[l] (hi = 1). Constant once inlined and unrolled, so
   that the compiler picks the instruction set's own shuffles. */
typedef int32_t pe_ivec __attribute__((vector_size(PE_VW * sizeof(int32_t))));
static inline __attribute__((always_inline)) pe_vec pe_swap_blocks(pe_vec a, pe_vec b, int h,
                                                                   int hi) {
  pe_ivec mask;
#pragma GCC unroll 16
  for (int l = 0; l < PE_VW; l++) {
    mask[l] = hi ? ((l & h) ? PE_VW + l : l + h) : ((l & h) ? PE_VW + l - h : l);
  }
  return __builtin_shuffle(a, b, mask);
}

/* Rows i and i + h, for every i with bit h clear, swap their off-diagonal blocks of h lanes. */
static inline __attribute__((always_inline)) void pe_transpose_step(pe_vec r[PE_VW], int h) {
#pragma GCC unroll 16
  for (int i = 0; i < PE_VW; i++) {
    if ((i & h) == 0) {
      pe_vec lo = pe_swap_blocks(r[i], r[i + h], h, 0);
      pe_vec hi = pe_swap_blocks(r[i], r[i + h], h, 1);
      r[i] = lo;
      r[i + h] = hi;
    }
  }
}

/* Transposes PE_VW rows of PE_VW floats in registers: the rows' halves, then quarters, ... swap
   their off-diagonal blocks. */
static inline __attribute__((always_inline)) void pe_transpose(pe_vec r[PE_VW]) {
#if PE_VW >= 16
  pe_transpose_step(r, 8);
#endif
#if PE_VW >= 8
  pe_transpose_step(r, 4);
#endif
  pe_transpose_step(r, 2);
  pe_transpose_step(r, 1);
}
#else
#define PE_SHUFFLE 0
#endif

/*
 * Input channels [cb, cb + PE_W) of a kernel m [taps][C][N], transposed to out [tap][n][PE_W],
 * zero beyond C: blocks of PE_VW x PE_VW floats, each loaded a row at a time, transposed in
 * registers and stored a row at a time. Transposed a float at a time (each load N floats from
 * the last), the per-example input gradient of a 3x3 128 -> 128 layer at 7x7, batch 32, took
 * 3.7 ms instead of 2.6, and of a 1x1 672 -> 192 layer 3.4 instead of 2.8 (C harness, two
 * threads, AVX-512, 2026-12-06). A transposition moves floats without arithmetic: exact.
 */
static void pe_pack_transposed(const float* m, int64_t taps, int64_t C, int64_t N, int64_t cb,
                               float* out) {
  const int64_t nfull = PE_SHUFFLE ? N / PE_VW * PE_VW : 0;
  for (int64_t t = 0; t < taps; t++) {
#if PE_SHUFFLE
    for (int64_t j0 = 0; j0 < PE_W; j0 += PE_VW) {
      for (int64_t n0 = 0; n0 < nfull; n0 += PE_VW) {
        pe_vec r[PE_VW];
        for (int i = 0; i < PE_VW; i++) {
          r[i] = (pe_vec){0};
          if (cb + j0 + i < C) memcpy(&r[i], m + (t * C + cb + j0 + i) * N + n0, sizeof r[i]);
        }
        pe_transpose(r);
        for (int i = 0; i < PE_VW; i++) {
          memcpy(out + (t * N + n0 + i) * PE_W + j0, &r[i], sizeof r[i]);
        }
      }
    }
#endif
    for (int64_t n = nfull; n < N; n++) {
      float* o = out + (t * N + n) * PE_W;
      for (int64_t j = 0; j < PE_W; j++) o[j] = cb + j < C ? m[(t * C + cb + j) * N + n] : 0.0f;
    }
  }
}

/*
 * Input channels [cb, cb + PE_W) of dx[b], from wt, the panel of w[b] transposed
 * ([tap][n][PE_W]); class_taps has room for every tap. With a stride above 1 an input pixel is
 * fed by only the taps whose offset matches its phase (ih + PT - kh * DH divisible by SH), so the
 * pixels are swept one phase class at a time, each class with its own taps: no multiply-add is
 * spent on taps that land between outputs.
 */
static void pe_dx_example(const pe_dx_ctx* c, int64_t b, int64_t cb, const float* wt,
                          int64_t* class_taps) {
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW;
  const float* dyb = c->dy + b * g->OH * g->OW * N;
  float* dxb = c->dx + b * g->H * g->W * C;
  const int nv = pe_vectors(C - cb);
  for (int64_t ph = 0; ph < g->SH; ph++) {
    for (int64_t pw = 0; pw < g->SW; pw++) {
      int64_t ntaps = 0;
      for (int64_t t = 0; t < taps; t++) {
        if (t / g->KW * g->DH % g->SH == ph && t % g->KW * g->DW % g->SW == pw) class_taps[ntaps++] = t;
      }
      /* The class: rows h0, h0 + SH, ... and columns w0, w0 + SW, ... of the input. */
      int64_t h0 = ((ph - g->PT) % g->SH + g->SH) % g->SH, w0 = ((pw - g->PL) % g->SW + g->SW) % g->SW;
      int64_t nh = h0 < g->H ? pe_ceil_div(g->H - h0, g->SH) : 0;
      int64_t nw = w0 < g->W ? pe_ceil_div(g->W - w0, g->SW) : 0;
      for (int64_t t0 = 0; t0 < nh * nw; t0 += PE_P) {
        int64_t np = pe_min64(PE_P, nh * nw - t0);
        int64_t ih[PE_P], iw[PE_P];
        for (int p = 0; p < np; p++) {
          ih[p] = h0 + (t0 + p) / nw * g->SH;
          iw[p] = w0 + (t0 + p) % nw * g->SW;
        }
        pe_vec acc[PE_P][PE_NV];
        memset(acc, 0, sizeof acc);
        for (int64_t k = 0; k < ntaps; k++) {
          int64_t t = class_taps[k], kh = t / g->KW, kw = t % g->KW;
          /* Only the pixels whose output row, for this tap, lies inside the output: ih + PT -
             kh * DH (a multiple of SH, by the choice of the class) below OH * SH. */
          int p0, p1;
          pe_rows_inside(ih, (int)np, g->PT - kh * g->DH, g->OH * g->SH, &p0, &p1);
          if (p0 == p1) continue;
          const float* src[PE_P];
          for (int p = p0; p < p1; p++) {
            /* Divisible by the strides, by the choice of the class. */
            int64_t rh = ih[p] + g->PT - kh * g->DH, rw = iw[p] + g->PL - kw * g->DW;
            src[p] = rh >= 0 && rh / g->SH < g->OH && rw >= 0 && rw / g->SW < g->OW
                         ? dyb + (rh / g->SH * g->OW + rw / g->SW) * N : c->zeros;
          }
          pe_reduce(p1 - p0, nv, acc + p0, src + p0, 1, wt + t * N * PE_W, PE_W, N);
        }
        for (int64_t p = 0; p < np; p++) {
          pe_store_row(dxb + (ih[p] * g->W + iw[p]) * C + cb, acc[p], pe_min64(PE_W, C - cb));
        }
      }
    }
  }
}

static int64_t* pe_alloc_taps(int64_t taps) {
  int64_t* t = (int64_t*)malloc((size_t)taps * sizeof(int64_t));
  if (t == NULL) abort();
  return t;
}

/* Units are (example, PE_W-input-channel panel); each transposes its panel of w[b]. */
static void pe_dx_units(const void* vc, int64_t begin, int64_t end) {
  const pe_dx_ctx* c = (const pe_dx_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, panels = pe_ceil_div(C, PE_W);
  float* wt = pe_alloc(taps * N * PE_W);
  int64_t* class_taps = pe_alloc_taps(taps);
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / panels, cb = u % panels * PE_W;
    pe_pack_transposed(c->w + b * taps * C * N, taps, C, N, cb, wt);
    pe_dx_example(c, b, cb, wt, class_taps);
  }
  free(class_taps);
  free(wt);
}

/*
 * The same, each example's transposed panel mixed from the bank (pe_fwd_mixed_units' scheme):
 * units are (PE_W-input-channel panel, group of PE_G examples), panels outermost; a thread
 * transposes its panel of every expert once, and mixes each group's panels from those.
 */
static void pe_dx_mixed_units(const void* vc, int64_t begin, int64_t end) {
  const pe_dx_ctx* c = (const pe_dx_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, rows = taps * N;
  const int64_t groups = pe_ceil_div(g->B, PE_G);
  float* packed = pe_alloc(c->E * rows * PE_W);
  float* panels = pe_alloc(PE_G * rows * PE_W);
  int64_t* class_taps = pe_alloc_taps(taps);
  int64_t packed_cb = -1;
  for (int64_t u = begin; u < end; u++) {
    int64_t q = u % groups, cb = u / groups * PE_W, b0 = PE_G * q, n = pe_min64(PE_G, g->B - b0);
    if (cb != packed_cb) {
      for (int64_t e = 0; e < c->E; e++) {
        pe_pack_transposed(c->bank + e * taps * C * N, taps, C, N, cb, packed + e * rows * PE_W);
      }
      packed_cb = cb;
    }
    pe_mix_panels(packed, c->E, rows, c->r + b0 * c->E, (int)n, panels);
    for (int64_t i = 0; i < n; i++) {
      pe_dx_example(c, b0 + i, cb, panels + i * rows * PE_W, class_taps);
    }
  }
  free(class_taps);
  free(panels);
  free(packed);
}

/* ---- gradient of the kernels: dw[b, tap] = x_tap^T dy[b], PE_P input channels a tile ---- */

/*
 * acc = dw[b, tap, c0 .. c0 + nc, nb .. nb + PE_W): example b's input channels at one tap against
 * dy[b] (rows NP apart), reduced over the output pixels a row at a time, each row's valid range
 * found once. Rows of acc from nc on are zero.
 */
static inline __attribute__((always_inline)) void pe_dw_tile(const pe_geometry* g,
                                                             const float* xb, const float* dyb,
                                                             int64_t NP, int64_t tap, int64_t c0,
                                                             int nc, int64_t nb,
                                                             pe_vec acc[PE_P][PE_NV]) {
  const int64_t C = g->C, kh = tap / g->KW, kw = tap % g->KW;
  /* The output columns whose input column lies inside the image: ow0 <= ow < ow1. */
  int64_t off = kw * g->DW - g->PL;
  int64_t ow0 = off >= 0 ? 0 : pe_ceil_div(-off, g->SW);
  int64_t ow1 = pe_min64(g->OW, g->W - off > 0 ? pe_ceil_div(g->W - off, g->SW) : 0);
  /* The output rows whose input row lies inside the image: oh0 <= oh < oh1. */
  int64_t top = kh * g->DH - g->PT;
  int64_t oh0 = top >= 0 ? 0 : pe_ceil_div(-top, g->SH);
  int64_t oh1 = pe_min64(g->OH, g->H - top > 0 ? pe_ceil_div(g->H - top, g->SH) : 0);
  const int nv = pe_vectors(g->Cout - nb);
  memset(acc, 0, sizeof(pe_vec) * PE_P * PE_NV);
  if (ow0 >= ow1 || oh0 >= oh1) return;
  /* Every row in one call, so that the sums stay in registers from row to row: at 7 x 7 a row
     is 7 terms, and a call per row, loading and storing the tile's sums around each, took the
     per-example kernel gradient of a 3x3 128 -> 128 layer at batch 32 3.45 ms against 2.56, and
     the mixed one (d routing and d bank) 4.88 against 4.47 (C harness, AVX-512, 2026-12-06). */
  const float* xs = xb + ((oh0 * g->SH + top) * g->W + ow0 * g->SW + off) * C + c0;
  const float* src[PE_P];
  for (int p = 0; p < nc; p++) src[p] = xs + p;
  pe_reduce_runs(nc, nv, acc, src, g->SW * C, g->SH * g->W * C, dyb + (oh0 * g->OW + ow0) * NP + nb,
                 NP, g->OW * NP, oh1 - oh0, ow1 - ow0);
}

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* dy; /* Cout padded with zeros to a multiple of PE_W, rows NP apart */
  int64_t NP;
  float* dw;
  /* Mixed: routing [B, E], bank [E, taps * C * Cout], and the blocking of pe_dw_mixed_units. */
  const float* r;
  const float* bank;
  int64_t E;
  int64_t cb, nbp, chunk, granges, branges; /* tiles and panels a block; examples a chunk; ranges */
  float* dbank;    /* [E, taps * C * Cout], or with branges > 1 [branges][E, ...] partial sums */
  float* dr_part;  /* [channel-and-panel blocks][B][E]: each block's share of d routing */
} pe_dw_ctx;

/* Units are (example, tap, block of PE_P input channels), each sweeping every output pixel. */
static void pe_dw_units(const void* vc, int64_t begin, int64_t end) {
  const pe_dw_ctx* c = (const pe_dw_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, NP = c->NP, taps = g->KH * g->KW, blocks = pe_ceil_div(C, PE_P);
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / (taps * blocks), r = u % (taps * blocks);
    int64_t tap = r / blocks, c0 = r % blocks * PE_P;
    int nc = (int)pe_min64(PE_P, C - c0);
    const float* xb = c->x + b * g->H * g->W * C;
    const float* dyb = c->dy + b * g->OH * g->OW * NP;
    for (int64_t nb = 0; nb < NP; nb += PE_W) {
      pe_vec acc[PE_P][PE_NV];
      pe_dw_tile(g, xb, dyb, NP, tap, c0, nc, nb, acc);
      float* out = c->dw + ((b * taps + tap) * C + c0) * N + nb;
      for (int64_t p = 0; p < nc; p++) pe_store_row(out + p * N, acc[p], pe_min64(PE_W, N - nb));
    }
  }
}

/*
 * The chain through the mixing for nj consecutive examples' tiles of dw, tiles[j] (PE_P x PE_W
 * floats each, rows past a partial tile's last zero): for every expert e, in example order,
 * dbt[e] += r[j, e] tiles[j] and d[j, e] += <tiles[j], bt[e]>, where bt and dbt hold E tiles and
 * r and d are rows of E. These are two small matrix products, and each keeps a block of sums in
 * registers: d bank's PE_EB experts by PE_KB tile vectors, loaded and stored once for the nj
 * examples; d routing's PE_JB examples by PE_EB experts, summed across lanes at the end.
 *
 * Why not chain each example's tile straight from the registers it was computed in: the tile
 * takes 24 of AVX-512's 32 registers, so the 16 sums of 8 experts spilled, and d bank was loaded
 * and stored for every example. Chaining 8 examples at a time made the mixed kernel gradient of
 * the small CNN's four conditional layers 6-9% faster at batch 32, E = 8 (C harness, AVX-512,
 * 2026-12-06). Every sum runs in the same order as before, so results are bit-identical.
 */
#define PE_EB 8
#if PE_VW == 16
#define PE_KB 3 /* 24 sums of 32 registers */
#define PE_JB 3
#else
#define PE_KB 1 /* 8 sums of 16 registers */
#define PE_JB 1
#endif
#define PE_TV (PE_P * PE_NV) /* vectors a tile */
#if PE_TV % PE_KB != 0
#error "PE_KB: a divisor of a tile's vectors"
#endif
static void pe_chain_tiles(const float* tiles, int nj, const float* bt, float* dbt,
                           const float* r, int64_t E, float* d) {
  const int64_t tile = PE_P * PE_W;
  for (int64_t e0 = 0; e0 < E; e0 += PE_EB) {
    const int ne = (int)pe_min64(PE_EB, E - e0);
    for (int k0 = 0; k0 < PE_TV; k0 += PE_KB) {
      pe_vec s[PE_EB][PE_KB];
      for (int i = 0; i < PE_EB; i++) {
        for (int q = 0; q < PE_KB; q++) {
          s[i][q] = (pe_vec){0};
          if (i < ne) memcpy(&s[i][q], dbt + (e0 + i) * tile + (k0 + q) * PE_VW, sizeof s[i][q]);
        }
      }
      for (int j = 0; j < nj; j++) {
        pe_vec a[PE_KB];
        for (int q = 0; q < PE_KB; q++) {
          memcpy(&a[q], tiles + j * tile + (k0 + q) * PE_VW, sizeof a[q]);
        }
        for (int i = 0; i < PE_EB; i++) {
          if (i < ne) {
            const float w = r[j * E + e0 + i];
            for (int q = 0; q < PE_KB; q++) s[i][q] += a[q] * w;
          }
        }
      }
      for (int i = 0; i < PE_EB; i++) {
        for (int q = 0; q < PE_KB; q++) {
          if (i < ne) memcpy(dbt + (e0 + i) * tile + (k0 + q) * PE_VW, &s[i][q], sizeof s[i][q]);
        }
      }
    }
    for (int j0 = 0; j0 < nj; j0 += PE_JB) {
      const int nb = (int)pe_min64(PE_JB, nj - j0);
      pe_vec dot[PE_JB][PE_EB];
      memset(dot, 0, sizeof dot);
      for (int k = 0; k < PE_TV; k++) {
        pe_vec a[PE_JB];
        for (int jj = 0; jj < PE_JB; jj++) {
          a[jj] = (pe_vec){0};
          if (jj < nb) memcpy(&a[jj], tiles + (j0 + jj) * tile + k * PE_VW, sizeof a[jj]);
        }
        for (int i = 0; i < PE_EB; i++) {
          if (i < ne) {
            pe_vec w;
            memcpy(&w, bt + (e0 + i) * tile + k * PE_VW, sizeof w);
            for (int jj = 0; jj < PE_JB; jj++) {
              if (jj < nb) dot[jj][i] += a[jj] * w;
            }
          }
        }
      }
      for (int jj = 0; jj < nb; jj++) {
        for (int i = 0; i < ne; i++) {
          float lanes[PE_VW], total = 0.0f;
          memcpy(lanes, &dot[jj][i], sizeof lanes);
          for (int l = 0; l < PE_VW; l++) total += lanes[l];
          d[(j0 + jj) * E + e0 + i] += total;
        }
      }
    }
  }
}

/* Examples whose tiles of dw are chained together: 8 tiles (12 KB with AVX-512) stay in L1 beside
   the bank's and d bank's tiles of 8 experts (24 KB). */
#define PE_DW_SUB 8

/* Tile t of the block whose channels start at c0 and n0: its tap, first input and output channel. */
static inline void pe_block_tile(const pe_dw_ctx* c, int64_t t, int64_t c0, int64_t n0,
                                 int64_t* tap, int64_t* ci, int64_t* nb) {
  *tap = t / (c->cb * c->nbp);
  *ci = c0 + t / c->nbp % c->cb * PE_P;
  *nb = n0 + t % c->nbp * PE_W;
}

/*
 * The kernels' gradient chained through the mixing, w[b] = sum over e of r[b, e] bank[e], without
 * dw ever reaching memory: d bank[e] = sum over b (in order) of r[b, e] dw[b], and d r[b, e] =
 * <dw[b], bank[e]>. A unit is a block of d bank (every tap, c->cb tiles of PE_P input channels,
 * c->nbp panels of PE_W output channels, every expert; with the bank's block, at most
 * 2 * PE_DW_BLOCK floats, which stay in L2) and a range of examples. The unit takes its examples
 * c->chunk at a time, as many as keep their x and dy for the block's channels in L2; for each
 * tile of the block it runs the chunk's examples in order, PE_DW_SUB at a time: their tiles of
 * dw[b] are computed, then added into the block's d bank tile of every expert (times r[b, e])
 * and dotted with the bank's tile (pe_chain_tiles). So the bank's and d bank's tiles stay in L1
 * over a chunk, and an example's x and dy in L2 over the block's tiles. With
 * more than one range of examples each range writes partial sums of d bank, added in range order
 * by the caller; d r's shares are added in block order. The blocking depends on the layer alone,
 * not on the number of threads, so neither does any sum.
 */
static void pe_dw_mixed_units(const void* vc, int64_t begin, int64_t end) {
  const pe_dw_ctx* c = (const pe_dw_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, N = g->Cout, NP = c->NP, E = c->E, taps = g->KH * g->KW;
  const int64_t P = taps * C * N, panels = NP / PE_W;
  const int64_t cw = c->cb * PE_P, nw = c->nbp * PE_W, gn = pe_ceil_div(panels, c->nbp);
  const int64_t per_range = pe_ceil_div(g->B, c->branges), tile = PE_P * PE_W;
  /* The block of every expert's kernel and of d bank, tile by tile: [tap][c tile][panel][E][tile],
     zero outside the kernel (channels past C or N), so that whole tiles can be read. */
  const int64_t tiles = taps * c->cb * c->nbp;
  float* bt = pe_alloc(tiles * E * tile);
  float* dbt = pe_alloc(tiles * E * tile);
  float* chained = pe_alloc(PE_DW_SUB * tile);
  for (int64_t u = begin; u < end; u++) {
    int64_t range = u / c->granges, gi = u % c->granges;
    int64_t c0 = gi / gn * cw, n0 = gi % gn * nw;
    int64_t cn = pe_min64(cw, C - c0), nn = pe_min64(nw, N - n0);
    int64_t b0 = range * per_range, b1 = pe_min64(g->B, b0 + per_range);
    float* drp = c->dr_part + gi * g->B * E;
    float* out = c->dbank + range * E * P;
    /* Tile t of the block: tap t / (cb * nbp), channel tile t / nbp % cb, panel t % nbp. */
    for (int64_t t = 0; t < tiles; t++) {
      int64_t tap, ci, nb;
      pe_block_tile(c, t, c0, n0, &tap, &ci, &nb);
      int64_t nc = ci < c0 + cn ? pe_min64(PE_P, c0 + cn - ci) : 0;
      int64_t nv = nb < n0 + nn ? pe_min64(PE_W, N - nb) : 0;
      for (int64_t e = 0; e < E; e++) {
        float* o = bt + (t * E + e) * tile;
        memset(o, 0, (size_t)tile * sizeof(float));
        for (int64_t p = 0; p < nc && nv > 0; p++) {
          memcpy(o + p * PE_W, c->bank + e * P + (tap * C + ci + p) * N + nb,
                 (size_t)nv * sizeof(float));
        }
      }
    }
    memset(dbt, 0, (size_t)(tiles * E * tile) * sizeof(float));
    for (int64_t i = b0 * E; i < b1 * E; i++) drp[i] = 0.0f;
    for (int64_t q0 = b0; q0 < b1; q0 += c->chunk) {
      int64_t q1 = pe_min64(b1, q0 + c->chunk);
      for (int64_t t = 0; t < tiles; t++) {
        int64_t tap, ci, nb;
        pe_block_tile(c, t, c0, n0, &tap, &ci, &nb);
        if (ci >= c0 + cn || nb >= n0 + nn) continue;
        int nc = (int)pe_min64(PE_P, c0 + cn - ci);
        for (int64_t s0 = q0; s0 < q1; s0 += PE_DW_SUB) {
          const int nj = (int)pe_min64(PE_DW_SUB, q1 - s0);
          for (int j = 0; j < nj; j++) {
            pe_vec acc[PE_P][PE_NV];
            const int64_t b = s0 + j;
            pe_dw_tile(g, c->x + b * g->H * g->W * C, c->dy + b * g->OH * g->OW * NP, NP, tap,
                       ci, nc, nb, acc);
            memcpy(chained + j * tile, acc, sizeof acc);
          }
          pe_chain_tiles(chained, nj, bt + t * E * tile, dbt + t * E * tile, c->r + s0 * E, E,
                         drp + s0 * E);
        }
      }
    }
    for (int64_t t = 0; t < tiles; t++) {
      int64_t tap, ci, nb;
      pe_block_tile(c, t, c0, n0, &tap, &ci, &nb);
      if (ci >= c0 + cn || nb >= n0 + nn) continue;
      int64_t nc = pe_min64(PE_P, c0 + cn - ci), nv = pe_min64(PE_W, N - nb);
      for (int64_t e = 0; e < E; e++) {
        for (int64_t p = 0; p < nc; p++) {
          memcpy(out + e * P + (tap * C + ci + p) * N + nb, dbt + (t * E + e) * tile + p * PE_W,
                 (size_t)nv * sizeof(float));
        }
      }
    }
  }
  free(chained);
  free(dbt);
  free(bt);
}

/* dy with its rows padded with zeros to NP = a multiple of PE_W channels, or dy itself. */
static const float* pe_padded_dy(const pe_geometry* g, const float* dy, int64_t NP, float** copy) {
  const int64_t rows = g->B * g->OH * g->OW, N = g->Cout;
  *copy = NULL;
  if (NP == N) return dy;
  *copy = pe_zeros(rows * NP);
  for (int64_t i = 0; i < rows; i++) memcpy(*copy + i * NP, dy + i * N, (size_t)N * sizeof(float));
  return *copy;
}

void PE_ENTRY(pe_regular_backward)(const pe_geometry* g, const float* x, const float* w,
                                   const float* dy, float* dx, float* dw, int threads, double macs) {
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW;
  if (dx != NULL) {
    float* zeros = pe_zeros(N);
    pe_dx_ctx c = {g, dy, w, NULL, NULL, 0, dx, zeros};
    pe_parallel(threads, g->B * pe_ceil_div(C, PE_W), macs, pe_dx_units, &c);
    free(zeros);
  }
  if (dw != NULL) {
    const int64_t NP = pe_ceil_div(N, PE_W) * PE_W;
    float* copy;
    const float* padded = pe_padded_dy(g, dy, NP, &copy);
    pe_dw_ctx c = {.g = g, .x = x, .dy = padded, .NP = NP, .dw = dw};
    pe_parallel(threads, g->B * taps * pe_ceil_div(C, PE_P), macs, pe_dw_units, &c);
    free(copy);
  }
}

/* out[i] = parts[0][i] + parts[1][i] + ... in that order, i < n, PE_MIX_BLOCK floats a unit. */
typedef struct {
  const float* parts;
  int64_t count, n;
  float* out;
} pe_sum_ctx;

static void pe_sum_blocks(const void* vc, int64_t begin, int64_t end) {
  const pe_sum_ctx* c = (const pe_sum_ctx*)vc;
  for (int64_t i = begin * PE_MIX_BLOCK; i < pe_min64(end * PE_MIX_BLOCK, c->n); i++) {
    float t = c->parts[i];
    for (int64_t q = 1; q < c->count; q++) t += c->parts[q * c->n + i];
    c->out[i] = t;
  }
}

#define PE_DW_L2 131072 /* floats of x and dy a chunk of pe_dw_mixed_units keeps in L2: 512 KB */
/* Floats of d bank in a block of pe_dw_mixed_units, and as many of the bank beside them. */
#define PE_DW_BLOCK 32768
#define PE_DW_UNITS 16  /* units pe_dw_mixed_units' blocking aims at, for the threads */

void PE_ENTRY(pe_regular_backward_mixed)(const pe_geometry* g, const float* x, const float* r,
                                         const float* bank, int64_t E, const float* dy, float* dx,
                                         float* dr, float* dbank, int threads, double macs) {
  const int64_t C = g->C, N = g->Cout, taps = g->KH * g->KW, P = taps * C * N;
  const double mixing = (double)E * P * g->B;
  if (dx != NULL) {
    if (g->B == 1) {
      /* As in the forward pass: a lone example's kernel is mixed whole, streaming the bank. */
      float* w = pe_mix_whole(r, bank, E, P, threads);
      PE_ENTRY(pe_regular_backward)(g, x, w, dy, dx, NULL, threads, macs);
      free(w);
    } else {
      float* zeros = pe_zeros(N);
      pe_dx_ctx c = {g, dy, NULL, r, bank, E, dx, zeros};
      pe_parallel(threads, pe_ceil_div(C, PE_W) * pe_ceil_div(g->B, PE_G), macs + mixing,
                  pe_dx_mixed_units, &c);
      free(zeros);
    }
  }
  if (dr != NULL && dbank != NULL) {
    const int64_t NP = pe_ceil_div(N, PE_W) * PE_W, panels = NP / PE_W;
    const int64_t blocks = pe_ceil_div(C, PE_P);
    /* Blocks of up to 4 channel tiles and 4 panels, no more than PE_DW_BLOCK floats of d bank,
       fewer while there are fewer than PE_DW_UNITS blocks (so that every thread has work). Then
       chunks of as many examples as keep their x and dy for a block's channels within PE_DW_L2
       floats. Only if there are still too few units, ranges of examples: each range costs a
       pass over d bank for its partial sums, which for a large kernel at few pixels costs more
       than an idle thread, so ranges stay under a sixteenth of the pass's multiply-adds. */
    const int64_t per_tile = E * taps * PE_P * PE_W;
    int64_t cb = pe_min64(blocks, 4), nbp = pe_min64(panels, 4);
    while (cb * nbp * per_tile > PE_DW_BLOCK && (cb > 1 || nbp > 1)) {
      if (cb >= nbp) cb--; else nbp--;
    }
    while (pe_ceil_div(blocks, cb) * pe_ceil_div(panels, nbp) < PE_DW_UNITS &&
           (cb > 1 || nbp > 1)) {
      if (cb >= nbp) cb--; else nbp--;
    }
    const int64_t granges = pe_ceil_div(blocks, cb) * pe_ceil_div(panels, nbp);
    const int64_t per_example = g->H * g->W * cb * PE_P + g->OH * g->OW * nbp * PE_W;
    const int64_t chunk = pe_max64(1, pe_min64(g->B, PE_DW_L2 / per_example));
    const int64_t max_ranges = pe_max64(1, g->B * g->OH * g->OW / (16 * E));
    int64_t branges = 1;
    while (granges * branges < PE_DW_UNITS && branges < pe_min64(g->B, max_ranges)) branges++;
    branges = pe_ceil_div(g->B, pe_ceil_div(g->B, branges)); /* no empty range */
    float* copy;
    const float* padded = pe_padded_dy(g, dy, NP, &copy);
    float* dr_part = pe_alloc(granges * g->B * E);
    float* partial = branges > 1 ? pe_alloc(branges * E * P) : NULL;
    pe_dw_ctx c = {.g = g, .x = x, .dy = padded, .NP = NP, .r = r, .bank = bank, .E = E,
                   .cb = cb, .nbp = nbp, .chunk = chunk, .granges = granges, .branges = branges,
                   .dbank = partial != NULL ? partial : dbank, .dr_part = dr_part};
    pe_parallel(threads, branges * granges, macs + 2 * mixing, pe_dw_mixed_units, &c);
    if (partial != NULL) {
      /* d bank: the ranges' partial sums added in range order, on the threads. */
      pe_sum_ctx sum = {partial, branges, E * P, dbank};
      pe_parallel(threads, pe_ceil_div(E * P, PE_MIX_BLOCK), (double)branges * E * P, pe_sum_blocks,
                  &sum);
    }
    /* d r: the blocks' shares added in block order, whatever the number of threads. */
    for (int64_t i = 0; i < g->B * E; i++) {
      float t = dr_part[i];
      for (int64_t q = 1; q < granges; q++) t += dr_part[q * g->B * E + i];
      dr[i] = t;
    }
    free(partial);
    free(dr_part);
    free(copy);
  }
}

/*
 * Depthwise per-example convolution: the forward pass and both gradients. See per_example_conv.h
 * for the formula and shapes.
 *
 * All three vectorise over channels, with every sum of a block of channels kept in registers:
 * the forward pass a segment of PE_DS output pixels of one row (PE_DEPTHWISE_FWD), the input
 * gradient a segment of PE_DS input pixels at stride 1 (PE_DEPTHWISE_DX) or one input pixel over
 * the taps that reach it, the kernel gradient one tap over the output pixels
 * (PE_DEPTHWISE_BLOCKS).
 *
 * Like per_example_conv_regular.c, build.sh compiles this file once per instruction set, with
 * vectors of the set's width: 16 floats for x86-64-v4 (AVX-512), 8 for x86-64-v3 (AVX2, FMA), 4
 * for baseline x86-64. Work is split by example, block of channels and band of output rows, or
 * by example and row or tap for the gradients; every element is summed by one thread in a fixed
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include "per_example_conv_internal.h"

#ifndef PE_ISA /* a compile without build.sh's flags (the C++ header check): the baseline build */
#define PE_ISA base
#define PE_VW 4
#endif

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* w;
  const float* dy;
  float* out;
  const float* zeros; /* C (or Cout) zeros: the input outside the image */
  int64_t bands;      /* forward: bands of output rows an (example, block of channels) is split into */
} pe_depthwise_ctx;

/*
 * The channel loops of multiplier 1, once per vector width. Channels run in blocks of PE_VW
 * floats, then what is left in blocks of 8 and 4 (never wider than PE_VW: the compiler would
 * split those through memory) and then one by one, so 8 or 24 channels (MobileNetV2 at width
 * 0.25) are as vectorised as 64. Every block of a loop below keeps its sums in registers.
 *
 *   dx:  dx[c]   = sum over the k (dy row, w row) pairs of an input pixel of dy[c] * w[c]
 *                  (where pe_dx_slide does not apply)
 *   dw:  dw[c]   = sum over the output pixels of one tap of x[c] * dy[c]; four multiply-adds
 *                  in flight: four channel vectors side by side where the channels allow (each
 *                  pass over the pixels then reads whole 256-byte runs), else one vector in four
 *                  interleaved partial sums (pixel i into sum i mod 4)
 */
typedef float pe_v16 __attribute__((vector_size(16 * sizeof(float))));
typedef float pe_v8 __attribute__((vector_size(8 * sizeof(float))));
typedef float pe_v4 __attribute__((vector_size(4 * sizeof(float))));
typedef float pe_v1;

/* Each width's helpers are generated for every build, and not every build calls all of them
   (clang warns of unused static functions, which -Werror makes an error). */
#define PE_UNUSED __attribute__((unused))

#define PE_DEPTHWISE_BLOCKS(LANES)                                                                 \
  PE_UNUSED static inline void pe_dx_block_##LANES(const float* const* dys,                        \
                                                   const float* const* wts, int64_t k,             \
                                                   int64_t cb, float* dxo) {                       \
    pe_v##LANES acc, a, b;                                                                         \
    memset(&acc, 0, sizeof acc);                                                                   \
    for (int64_t i = 0; i < k; i++) {                                                              \
      memcpy(&a, dys[i] + cb, sizeof a);                                                           \
      memcpy(&b, wts[i] + cb, sizeof b);                                                           \
      acc += a * b;                                                                                \
    }                                                                                              \
    memcpy(dxo + cb, &acc, sizeof acc);                                                            \
  }                                                                                                \
  /* G = 4 channel vectors side by side (a sum each), or G = 1 vector in 4 interleaved sums. */    \
  PE_UNUSED static inline void pe_dw_block_##LANES(const pe_geometry* g, const float* xb,          \
                                                   const float* dyb, int64_t kh, int64_t off,      \
                                                   int64_t ow0, int64_t ow1, int64_t cb, int G,    \
                                                   float* dwt) {                                   \
    const int64_t C = g->C, N = g->Cout;                                                           \
    pe_v##LANES acc[4], a, b;                                                                      \
    memset(acc, 0, sizeof acc);                                                                    \
    int64_t i = 0;                                                                                 \
    for (int64_t oh = 0; oh < g->OH; oh++) {                                                       \
      int64_t ih = oh * g->SH + kh * g->DH - g->PT;                                                \
      if (ih < 0 || ih >= g->H) continue;                                                          \
      const float* xs = xb + (ih * g->W + ow0 * g->SW + off) * C + cb;                             \
      const float* dys = dyb + (oh * g->OW + ow0) * N + cb;                                        \
      for (int64_t ow = ow0; ow < ow1; ow++, i++, xs += g->SW * C, dys += N) {                     \
        if (G == 4) {                                                                              \
          for (int v = 0; v < 4; v++) {                                                            \
            memcpy(&a, xs + v * LANES, sizeof a);                                                  \
            memcpy(&b, dys + v * LANES, sizeof b);                                                 \
            acc[v] += a * b;                                                                       \
          }                                                                                        \
        } else {                                                                                   \
          memcpy(&a, xs, sizeof a);                                                                \
          memcpy(&b, dys, sizeof b);                                                               \
          acc[i & 3] += a * b;                                                                     \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    if (G == 4) {                                                                                  \
      memcpy(dwt + cb, acc, sizeof acc);                                                           \
    } else {                                                                                       \
      acc[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);                                              \
      memcpy(dwt + cb, &acc[0], sizeof acc[0]);                                                    \
    }                                                                                              \
  }
PE_DEPTHWISE_BLOCKS(16)
PE_DEPTHWISE_BLOCKS(8)
PE_DEPTHWISE_BLOCKS(4)
PE_DEPTHWISE_BLOCKS(1)

/* Runs CALL(LANES) (a call of pe_*_block_LANES with cb in scope) for every channel block of
   [0, n), or of [cb, n). */
#if PE_VW >= 16
#define PE_EACH_BLOCK_16(n, cb, CALL) for (; cb + 16 <= (n); cb += 16) CALL(16);
#else
#define PE_EACH_BLOCK_16(n, cb, CALL)
#endif
#if PE_VW >= 8
#define PE_EACH_BLOCK_8(n, cb, CALL) for (; cb + 8 <= (n); cb += 8) CALL(8);
#else
#define PE_EACH_BLOCK_8(n, cb, CALL)
#endif
#define PE_EACH_BLOCK_FROM(n, cb, CALL)             \
  do {                                              \
    PE_EACH_BLOCK_16(n, cb, CALL)                   \
    PE_EACH_BLOCK_8(n, cb, CALL)                    \
    for (; cb + 4 <= (n); cb += 4) CALL(4);         \
    for (; cb < (n); cb++) CALL(1);                 \
  } while (0)
#define PE_EACH_BLOCK(n, CALL) \
  do {                         \
    int64_t cb = 0;            \
    PE_EACH_BLOCK_FROM(n, cb, CALL); \
  } while (0)

/*
 * The forward pass of multiplier 1, a segment of PE_DS output pixels of one row and one block of
 * LANES channels at a time: acc[o] = sum over (kh, kw), in that order, of w[kh, kw] * x[ih, iw],
 * input outside the image reading as zero. Its sums stay in registers.
 *
 * Windows of 3, 5 and 7 columns at stride 1 or 2 without dilation (pe_fwd_slide, with K and S
 * constants, so that the loops unroll and every condition folds away) slide along the row: the
 * window row's K weights stay in registers and each input pixel is loaded once and added into
 * every output it reaches. A 5 x 5 row at stride 1 loads 5 + 12 vectors for 40 multiply-adds,
 * where loading each (output, tap) pair's input loads 45; the earlier tiles (6 pixels,
 * their input addresses in a table per tap) loaded 13 vectors per 6. Other windows
 * (pe_fwd_seg's loop) load per output and tap. Against the tiles, a C harness at batch 32 on two
 * threads (AVX-512, 2026-12-06, best of five alternating runs) measured 5 x 5 layers 1.3-2.4x
 * faster (480 channels at 14 x 14: 3.33 -> 1.41 ms, 672 at stride 2: 1.09 -> 0.85, 1152 at 7 x
 * 7: 1.56 -> 0.83), 3 x 3 about as fast (1152 at 7 x 7: 0.71 -> 0.79, 96 at 56 x 56, stride 2:
 * 1.43 -> 1.48) and 3 x 3 at 112 x 112 1.8x faster.
 */
#define PE_DS 8
#define PE_SLIDE(LANES, K, S)                                         \
  if (g->KW == K && g->SW == S) {                                     \
    pe_fwd_slide_##LANES(g, K, S, xb, zr, wb, oh, ow0, np, cb, yo);   \
    return;                                                           \
  }
#define PE_SLIDE_ALL(LANES)                                           \
  PE_SLIDE(LANES, 3, 1) PE_SLIDE(LANES, 5, 1) PE_SLIDE(LANES, 7, 1)   \
  PE_SLIDE(LANES, 3, 2) PE_SLIDE(LANES, 5, 2) PE_SLIDE(LANES, 7, 2)
#define PE_DEPTHWISE_FWD(LANES)                                                                    \
  /* x[iw] of row xr, or zero (zr: zeros) outside the image; a branch-free select, so that the  \
     sums stay in registers (a conditional load went through the stack). */                       \
  static inline __attribute__((always_inline)) void pe_load_x_##LANES(                             \
      pe_v##LANES* v, const float* xr, const float* zr, int64_t iw, int64_t W, int64_t C) {        \
    const float* p = iw >= 0 && iw < W ? xr + iw * C : zr;                                         \
    memcpy(v, p, sizeof *v);                                                                       \
  }                                                                                                \
  /* One window row slid along a segment: acc[o] += sum over taps k < K, in order, of           \
     wr[k * ws] * row[first + o * S + k] (row's pixels `stride` floats apart, zero outside       \
     [0, width)). Pixel j of the run reaches output o through tap k when j = o * S + k; each is   \
     loaded once. K and S are constants at every call, so the loops unroll and the test folds.  */\
  static inline __attribute__((always_inline)) void pe_slide_row_##LANES(                          \
      pe_v##LANES acc[PE_DS], int K, int S, const float* row, const float* zr, int64_t first,      \
      int64_t width, int64_t stride, const float* wr, int64_t ws) {                                \
    pe_v##LANES wk[7];                                                                             \
    _Pragma("GCC unroll 8")                                                                        \
    for (int k = 0; k < K; k++) memcpy(&wk[k], wr + k * ws, sizeof wk[k]);                         \
    _Pragma("GCC unroll 32")                                                                       \
    for (int j = 0; j < (PE_DS - 1) * S + K; j++) {                                                \
      pe_v##LANES v;                                                                               \
      pe_load_x_##LANES(&v, row, zr, first + j, width, stride);                                    \
      _Pragma("GCC unroll 8")                                                                      \
      for (int k = 0; k < K; k++) {                                                                \
        if (j >= k && (j - k) % S == 0 && (j - k) / S < PE_DS) acc[(j - k) / S] += wk[k] * v;      \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  static inline __attribute__((always_inline)) void pe_fwd_slide_##LANES(                          \
      const pe_geometry* g, int K, int S, const float* xb, const float* zr, const float* wb,       \
      int64_t oh, int64_t ow0, int64_t np, int64_t cb, float* yo) {                                \
    const int64_t C = g->C, N = g->Cout;                                                           \
    pe_v##LANES acc[PE_DS];                                                                        \
    memset(acc, 0, sizeof acc);                                                                    \
    for (int64_t kh = 0; kh < g->KH; kh++) {                                                       \
      int64_t ih = oh * g->SH + kh * g->DH - g->PT;                                                \
      if (ih < 0 || ih >= g->H) continue;                                                          \
      pe_slide_row_##LANES(acc, K, S, xb + ih * g->W * C + cb, zr, ow0 * S - g->PL, g->W, C,       \
                           wb + kh * K * N + cb, N);                                               \
    }                                                                                              \
    for (int64_t o = 0; o < np; o++) memcpy(yo + o * N + cb, &acc[o], sizeof acc[o]);              \
  }                                                                                                \
  PE_UNUSED static inline void pe_fwd_seg_##LANES(const pe_geometry* g, const float* xb,           \
                                                  const float* zr, const float* wb, int64_t oh,    \
                                                  int64_t ow0, int64_t np, int64_t cb,             \
                                                  float* yo) {                                     \
    const int64_t C = g->C, N = g->Cout;                                                           \
    if (g->DW == 1) {                                                                              \
      PE_SLIDE_ALL(LANES)                                                                          \
    }                                                                                              \
    pe_v##LANES acc[PE_DS];                                                                        \
    memset(acc, 0, sizeof acc);                                                                    \
    for (int64_t kh = 0; kh < g->KH; kh++) {                                                       \
      int64_t ih = oh * g->SH + kh * g->DH - g->PT;                                                \
      if (ih < 0 || ih >= g->H) continue;                                                          \
      const float* xr = xb + ih * g->W * C + cb;                                                   \
      for (int64_t kw = 0; kw < g->KW; kw++) {                                                     \
        pe_v##LANES wv;                                                                            \
        memcpy(&wv, wb + (kh * g->KW + kw) * N + cb, sizeof wv);                                   \
        int64_t iw = ow0 * g->SW - g->PL + kw * g->DW;                                             \
        _Pragma("GCC unroll 8")                                                                    \
        for (int o = 0; o < PE_DS; o++, iw += g->SW) {                                             \
          pe_v##LANES xv;                                                                          \
          pe_load_x_##LANES(&xv, xr, zr, iw, g->W, C);                                             \
          acc[o] += wv * xv;                                                                       \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    for (int64_t o = 0; o < np; o++) memcpy(yo + o * N + cb, &acc[o], sizeof acc[o]);              \
  }
PE_DEPTHWISE_FWD(16)
PE_DEPTHWISE_FWD(8)
PE_DEPTHWISE_FWD(4)
PE_DEPTHWISE_FWD(1)

/*
 * The input gradient of multiplier 1 at stride and dilation 1 along rows, a segment of PE_DS
 * input pixels and one block of LANES channels: dx[iw] = sum over window rows kh (in order) and
 * the K taps kw whose output ow = iw + PL - kw lies in the image, of w[kh, kw] * dy[oh, ow]. Like
 * the forward pass it slides: each dy pixel is loaded once and added into the K inputs it reaches
 * (within a window row the taps arrive in descending kw). Input outside every window gets zero.
 */
#define PE_DEPTHWISE_DX(LANES)                                                                     \
  static inline __attribute__((always_inline)) void pe_dx_slide_##LANES(                           \
      const pe_geometry* g, int K, const float* dyb, const float* zr, const float* wb, int64_t ih, \
      int64_t iw0, int64_t np, int64_t cb, float* dxo) {                                           \
    const int64_t N = g->Cout;                                                                     \
    pe_v##LANES acc[PE_DS];                                                                        \
    memset(acc, 0, sizeof acc);                                                                    \
    for (int64_t kh = 0; kh < g->KH; kh++) {                                                       \
      int64_t t = ih + g->PT - kh * g->DH;                                                         \
      if (t < 0 || t % g->SH != 0 || t / g->SH >= g->OH) continue;                                 \
      /* dx[iw] = sum over kw of w[kh, kw] * dy[iw + PL - kw]: the forward slide over dy's row,   \
         its taps read from kw = K - 1 down. */                                                    \
      pe_slide_row_##LANES(acc, K, 1, dyb + t / g->SH * g->OW * N + cb, zr, iw0 + g->PL - (K - 1), \
                           g->OW, N, wb + (kh * K + K - 1) * N + cb, -N);                          \
    }                                                                                              \
    for (int64_t i = 0; i < np; i++) memcpy(dxo + i * g->C + cb, &acc[i], sizeof acc[i]);          \
  }                                                                                                \
  /* pe_dx_slide for the layer's window (the caller checks it is 3, 5 or 7 wide). */               \
  PE_UNUSED static inline void pe_dx_seg_##LANES(const pe_geometry* g, const float* dyb,           \
                                                 const float* zr, const float* wb, int64_t ih,     \
                                                 int64_t iw0, int64_t np, int64_t cb,              \
                                                 float* dxo) {                                     \
    if (g->KW == 3) pe_dx_slide_##LANES(g, 3, dyb, zr, wb, ih, iw0, np, cb, dxo);                  \
    if (g->KW == 5) pe_dx_slide_##LANES(g, 5, dyb, zr, wb, ih, iw0, np, cb, dxo);                  \
    if (g->KW == 7) pe_dx_slide_##LANES(g, 7, dyb, zr, wb, ih, iw0, np, cb, dxo);                  \
  }
PE_DEPTHWISE_DX(16)
PE_DEPTHWISE_DX(8)
PE_DEPTHWISE_DX(4)
PE_DEPTHWISE_DX(1)

/*
 * Channels a forward unit: its rows of x (a 5 x 5 window at 14 x 14 reads 5 rows of 14 pixels,
 * 18 KB for 64 channels) stay in L1 from one output row to the next.
 */
#define PE_DCHUNK 64

/*
 * Units are (example, block of PE_DCHUNK channels, band of output rows), bands innermost: a
 * thread's next unit is the next band of the same channels. A multiplier above 1 runs as
 * scalars: output channel o reads input channel o / M.
 */
static void pe_fwd_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  const int64_t chunks = pe_ceil_div(N, PE_DCHUNK), bands = c->bands;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / (chunks * bands), n0 = u / bands % chunks * PE_DCHUNK, band = u % bands;
    int64_t n1 = pe_min64(N, n0 + PE_DCHUNK);
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wb = c->w + b * taps * N;
    for (int64_t oh = g->OH * band / bands; oh < g->OH * (band + 1) / bands; oh++) {
      float* yr = c->out + (b * g->OH + oh) * g->OW * N;
      for (int64_t ow0 = 0; ow0 < g->OW; ow0 += PE_DS) {
        int64_t np = pe_min64(PE_DS, g->OW - ow0);
        float* yo = yr + ow0 * N;
        if (M == 1) {
#define PE_FWD(LANES) pe_fwd_seg_##LANES(g, xb, c->zeros + cb, wb, oh, ow0, np, cb, yo)
          int64_t cb = n0;
          PE_EACH_BLOCK_FROM(n1, cb, PE_FWD);
#undef PE_FWD
          continue;
        }
        for (int64_t p = 0; p < np; p++) {
          float* yp = yo + p * N;
          for (int64_t o = n0; o < n1; o++) yp[o] = 0.0f;
          for (int64_t kh = 0; kh < g->KH; kh++) {
            for (int64_t kw = 0; kw < g->KW; kw++) {
              int64_t ih = oh * g->SH - g->PT + kh * g->DH;
              int64_t iw = (ow0 + p) * g->SW - g->PL + kw * g->DW;
              if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) continue;
              const float* xs = xb + (ih * g->W + iw) * C;
              const float* wt = wb + (kh * g->KW + kw) * N;
              for (int64_t o = n0; o < n1; o++) yp[o] += xs[o / M] * wt[o];
            }
          }
        }
      }
    }
  }
}

/*
 * The (dy row, w row) pairs of the taps that reach input pixel (ih, iw) of one example: output
 * pixels whose window covers it at that tap (ih + PT - kh * DH a multiple of SH inside the output,
 * the same for columns). Returns how many, at most KH * KW.
 */
static int64_t pe_dx_sources(const pe_geometry* g, int64_t ih, int64_t iw, const float* dyb,
                             const float* wb, const float** dys, const float** wts) {
  int64_t k = 0;
  for (int64_t kh = 0; kh < g->KH; kh++) {
    int64_t t = ih + g->PT - kh * g->DH;
    if (t < 0 || t % g->SH != 0 || t / g->SH >= g->OH) continue;
    for (int64_t kw = 0; kw < g->KW; kw++) {
      int64_t s = iw + g->PL - kw * g->DW;
      if (s < 0 || s % g->SW != 0 || s / g->SW >= g->OW) continue;
      dys[k] = dyb + (t / g->SH * g->OW + s / g->SW) * g->Cout;
      wts[k++] = wb + (kh * g->KW + kw) * g->Cout;
    }
  }
  return k;
}

/* Units are (example, input row); each input pixel gathers the outputs its taps feed. */
static void pe_dx_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  /* Multiplier 1, stride and dilation 1 along rows, a window 3, 5 or 7 wide: pe_dx_slide. */
  const int slide = M == 1 && g->SW == 1 && g->DW == 1 && (g->KW == 3 || g->KW == 5 || g->KW == 7);
  const float** dys = (const float**)malloc((size_t)taps * sizeof(float*));
  const float** wts = (const float**)malloc((size_t)taps * sizeof(float*));
  if (dys == NULL || wts == NULL) abort();
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / g->H, ih = u % g->H;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    const float* wb = c->w + b * taps * N;
    if (slide) {
      for (int64_t iw0 = 0; iw0 < g->W; iw0 += PE_DS) {
        int64_t np = pe_min64(PE_DS, g->W - iw0);
        float* dxo = c->out + ((b * g->H + ih) * g->W + iw0) * C;
#define PE_DXS(LANES) pe_dx_seg_##LANES(g, dyb, c->zeros + cb, wb, ih, iw0, np, cb, dxo)
        PE_EACH_BLOCK(C, PE_DXS);
#undef PE_DXS
      }
      continue;
    }
    for (int64_t iw = 0; iw < g->W; iw++) {
      float* dxo = c->out + ((b * g->H + ih) * g->W + iw) * C;
      int64_t k = pe_dx_sources(g, ih, iw, dyb, wb, dys, wts);
      if (M == 1) {
#define PE_DX(LANES) pe_dx_block_##LANES(dys, wts, k, cb, dxo)
        PE_EACH_BLOCK(C, PE_DX);
#undef PE_DX
        continue;
      }
      for (int64_t j = 0; j < C; j++) {
        float sum = 0;
        for (int64_t i = 0; i < k; i++) {
          for (int64_t m = 0; m < M; m++) sum += dys[i][j * M + m] * wts[i][j * M + m];
        }
        dxo[j] = sum;
      }
    }
  }
  free(wts);
  free(dys);
}

/* Units are (example, tap), each sweeping the output pixels whose input lies in the image. */
static void pe_dw_depthwise_taps(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / taps, tap = u % taps, kh = tap / g->KW, kw = tap % g->KW;
    const float* xb = c->x + b * g->H * g->W * C;
    const float* dyb = c->dy + b * g->OH * g->OW * N;
    float* dwt = c->out + (b * taps + tap) * N;
    /* The output columns whose input column lies inside the image: ow0 <= ow < ow1. */
    int64_t off = kw * g->DW - g->PL;
    int64_t ow0 = off >= 0 ? 0 : pe_ceil_div(-off, g->SW);
    int64_t ow1 = pe_min64(g->OW, g->W - off > 0 ? pe_ceil_div(g->W - off, g->SW) : 0);
    ow1 = pe_max64(ow0, ow1);
    if (M == 1) {
      int64_t cb = 0;
      for (; cb + 4 * PE_VW <= N; cb += 4 * PE_VW) {
        PE_CAT(pe_dw_block, PE_VW)(g, xb, dyb, kh, off, ow0, ow1, cb, 4, dwt);
      }
#define PE_DW(LANES) pe_dw_block_##LANES(g, xb, dyb, kh, off, ow0, ow1, cb, 1, dwt)
      PE_EACH_BLOCK_FROM(N, cb, PE_DW);
#undef PE_DW
      continue;
    }
    memset(dwt, 0, (size_t)N * sizeof(float));
    for (int64_t oh = 0; oh < g->OH; oh++) {
      int64_t ih = oh * g->SH + kh * g->DH - g->PT;
      if (ih < 0 || ih >= g->H) continue;
      for (int64_t ow = ow0; ow < ow1; ow++) {
        const float* xs = xb + (ih * g->W + ow * g->SW + off) * C;
        const float* dys = dyb + (oh * g->OW + ow) * N;
        for (int64_t ci = 0; ci < C; ci++) {
          for (int64_t m = 0; m < M; m++) dwt[ci * M + m] += xs[ci] * dys[ci * M + m];
        }
      }
    }
  }
}

void PE_ENTRY(pe_depthwise_forward)(const pe_geometry* g, const float* x, const float* w, float* y,
                                    int threads, double macs) {
  float* zeros = pe_zeros(g->C);
  /* Bands of rows only where examples and channel blocks alone would leave threads idle. */
  const int64_t chunks = pe_ceil_div(g->Cout, PE_DCHUNK);
  const int64_t bands =
      pe_max64(1, pe_min64(g->OH, pe_ceil_div(4 * (int64_t)threads, g->B * chunks)));
  pe_depthwise_ctx c = {g, x, w, NULL, y, zeros, bands};
  pe_parallel(threads, g->B * chunks * bands, macs, pe_fwd_depthwise_rows, &c);
  free(zeros);
}

void PE_ENTRY(pe_depthwise_backward)(const pe_geometry* g, const float* x, const float* w,
                                     const float* dy, float* dx, float* dw, int threads,
                                     double macs) {
  if (dx != NULL) {
    float* zeros = pe_zeros(g->Cout);
    pe_depthwise_ctx c = {g, x, w, dy, dx, zeros, 0};
    pe_parallel(threads, g->B * g->H, macs, pe_dx_depthwise_rows, &c);
    free(zeros);
  }
  if (dw != NULL) {
    pe_depthwise_ctx c = {g, x, w, dy, dw, NULL, 0};
    pe_parallel(threads, g->B * g->KH * g->KW, macs, pe_dw_depthwise_taps, &c);
  }
}

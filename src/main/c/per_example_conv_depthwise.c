/*
 * Depthwise per-example convolution: the forward pass and both gradients. See per_example_conv.h
 * for the formula and shapes.
 *
 * The forward pass vectorises over channels: a tile of PE_DP output pixels by one vector of PE_VW
 * channels, each weight vector feeding PE_DP multiply-adds, with each pixel's input address per
 * tap found once for all the channel vectors. The gradients are plain loops over channels that
 * the compiler vectorises. These loops are memory-bound rather than bound by multiply-adds.
 *
 * Like per_example_conv_regular.c, build.sh compiles this file once per instruction set, with
 * vectors of the set's width: 16 floats for x86-64-v4 (AVX-512), 8 for x86-64-v3 (AVX2, FMA), 4
 * for baseline x86-64. Work is split by example and pixel tile, or by example and row or tap for
 * the gradients; every element is summed by one thread in a fixed order.
 */
#include <stdlib.h>
#include <string.h>

#include "per_example_conv_internal.h"

#ifndef PE_ISA /* a compile without build.sh's flags (the C++ header check): the baseline build */
#define PE_ISA base
#define PE_VW 4
#endif

#define PE_DP 6 /* output pixels a forward tile (build.sh's PE_P sizes the regular tiles) */

typedef float pe_vec __attribute__((vector_size(PE_VW * sizeof(float))));

typedef struct {
  const pe_geometry* g;
  const float* x;
  const float* w;
  const float* dy;
  float* out;
  const float* zeros; /* C zeros: the input outside the image */
} pe_depthwise_ctx;

/*
 * Units are (example, tile of PE_DP output pixels, row-major). With multiplier 1 the channels run in
 * PE_VW-wide vectors, each weight vector feeding the PE_DP pixels; the last partial vector, and
 * every channel of a multiplier above 1, run as scalars.
 */
#define PE_MAX_TAPS 64 /* windows up to 8 x 8 keep their input pointers on the stack */

static void pe_fwd_depthwise_tiles(const void* vc, int64_t begin, int64_t end) {
  const pe_depthwise_ctx* c = (const pe_depthwise_ctx*)vc;
  const pe_geometry* g = c->g;
  const int64_t C = g->C, M = g->M, N = g->Cout, taps = g->KH * g->KW;
  const int64_t pixels = g->OH * g->OW, tiles = (pixels + PE_DP - 1) / PE_DP;
  const int64_t vec_end = M == 1 && taps <= PE_MAX_TAPS ? C / PE_VW * PE_VW : 0;
  for (int64_t u = begin; u < end; u++) {
    int64_t b = u / tiles, t0 = u % tiles * PE_DP, np = pe_min64(PE_DP, pixels - t0);
    const float* xb = c->x + b * g->H * g->W * C;
    const float* wb = c->w + b * taps * N;
    float* yb = c->out + (b * pixels + t0) * N;
    int64_t row[PE_DP], col[PE_DP];
    for (int p = 0; p < PE_DP; p++) {
      int64_t i = p < np ? t0 + p : t0;
      row[p] = i / g->OW * g->SH - g->PT;
      col[p] = i % g->OW * g->SW - g->PL;
    }
    if (vec_end > 0) {
      /* Where each pixel of the tile reads at each tap (the zero row outside the image), found
         once for all the channel vectors. */
      const float* src[PE_MAX_TAPS][PE_DP];
      for (int64_t t = 0; t < taps; t++) {
        int64_t kh = t / g->KW, kw = t % g->KW;
        for (int p = 0; p < PE_DP; p++) {
          int64_t ih = row[p] + kh * g->DH, iw = col[p] + kw * g->DW;
          src[t][p] = p < np && ih >= 0 && ih < g->H && iw >= 0 && iw < g->W
                          ? xb + (ih * g->W + iw) * C : c->zeros;
        }
      }
      for (int64_t cb = 0; cb < vec_end; cb += PE_VW) {
        pe_vec acc[PE_DP];
        memset(acc, 0, sizeof acc);
        for (int64_t t = 0; t < taps; t++) {
          pe_vec wv;
          memcpy(&wv, wb + t * N + cb, sizeof wv);
          for (int p = 0; p < PE_DP; p++) {
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

static void pe_dx_depthwise_rows(const void* vc, int64_t begin, int64_t end) {
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

static void pe_dw_depthwise_taps(const void* vc, int64_t begin, int64_t end) {
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

void PE_ENTRY(pe_depthwise_forward)(const pe_geometry* g, const float* x, const float* w, float* y,
                                    int threads, double macs) {
  float* zeros = pe_zeros(g->C);
  pe_depthwise_ctx c = {g, x, w, NULL, y, zeros};
  pe_parallel(threads, g->B * pe_ceil_div(g->OH * g->OW, PE_DP), macs, pe_fwd_depthwise_tiles, &c);
  free(zeros);
}

void PE_ENTRY(pe_depthwise_backward)(const pe_geometry* g, const float* x, const float* w,
                                     const float* dy, float* dx, float* dw, int threads,
                                     double macs) {
  if (dx != NULL) {
    pe_depthwise_ctx c = {g, x, w, dy, dx, NULL};
    pe_parallel(threads, g->B * g->H, macs, pe_dx_depthwise_rows, &c);
  }
  if (dw != NULL) {
    pe_depthwise_ctx c = {g, x, w, dy, dw, NULL};
    pe_parallel(threads, g->B * g->KH * g->KW, macs, pe_dw_depthwise_taps, &c);
  }
}

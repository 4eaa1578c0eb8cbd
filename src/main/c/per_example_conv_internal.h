/*
 * What per_example_conv.c (threads, depthwise loops, entry points) shares with
 * per_example_conv_regular.c (the register-tiled regular convolutions), which the build compiles
 * once per instruction set; nothing outside the two files includes this.
 */
#ifndef DYNCONV_PER_EXAMPLE_CONV_INTERNAL_H
#define DYNCONV_PER_EXAMPLE_CONV_INTERNAL_H

#include "per_example_conv.h"

/* Runs fn(ctx, begin, end) over [0, n) split in contiguous chunks, one per thread; a call of
   fewer than about 2^17 multiply-adds (macs) stays on the caller's thread. */
typedef void (*pe_task)(const void* ctx, int64_t begin, int64_t end);
void pe_parallel(int threads, int64_t n, double macs, pe_task fn, const void* ctx);

/* The regular (non-depthwise) convolutions, one build per instruction set: x86-64-v4
   (AVX-512), x86-64-v3 (AVX2 with FMA) and baseline x86-64. Same contract as pe_forward and
   pe_backward; threads >= 1. */
#define PE_REGULAR_DECLARE(isa)                                                                 \
  void pe_regular_forward_##isa(const pe_geometry* g, const float* x, const float* w, float* y, \
                                int threads, double macs);                                     \
  void pe_regular_backward_##isa(const pe_geometry* g, const float* x, const float* w,         \
                                 const float* dy, float* dx, float* dw, int threads,          \
                                 double macs);
PE_REGULAR_DECLARE(avx512)
PE_REGULAR_DECLARE(avx2)
PE_REGULAR_DECLARE(base)

#endif

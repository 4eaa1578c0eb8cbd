/*
 * What per_example_conv.c (geometry, threads, entry points) shares with the loops,
 * per_example_conv_regular.c and per_example_conv_depthwise.c, which the build compiles once per
 * instruction set; nothing else includes this.
 */
#ifndef DYNCONV_PER_EXAMPLE_CONV_INTERNAL_H
#define DYNCONV_PER_EXAMPLE_CONV_INTERNAL_H

#include <stdlib.h>

#include "per_example_conv.h"

static inline int64_t pe_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t pe_max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t pe_ceil_div(int64_t n, int64_t m) { return (n + m - 1) / m; }

/* n floats, uninitialised or zero; out of memory aborts, as TensorFlow's own allocator does. */
static inline float* pe_alloc(int64_t n) {
  float* p = (float*)malloc((size_t)pe_max64(n, 1) * sizeof(float));
  if (p == NULL) abort();
  return p;
}

static inline float* pe_zeros(int64_t n) {
  float* p = (float*)calloc((size_t)pe_max64(n, 1), sizeof(float));
  if (p == NULL) abort();
  return p;
}

/* name_ISA: the loops' entry points carry the instruction set they were built for (PE_ISA). */
#define PE_CAT2(a, b) a##_##b
#define PE_CAT(a, b) PE_CAT2(a, b)
#define PE_ENTRY(name) PE_CAT(name, PE_ISA)

/* Runs fn(ctx, begin, end) over [0, n) in runs of consecutive units that the threads take until
   none are left (a unit's results must not depend on which thread runs it, or on the units run
   before it by the same call of fn); a call of fewer than about 2^17 multiply-adds (macs) stays
   on the caller's thread. */
typedef void (*pe_task)(const void* ctx, int64_t begin, int64_t end);
void pe_parallel(int threads, int64_t n, double macs, pe_task fn, const void* ctx);

/* pe_parallel over units that come in blocks of `block` consecutive units sharing what a thread
   caches for them (a packed panel of the bank): runs are whole blocks where that still divides
   the blocks about evenly between the threads, so that no two runs pack the same panel. */
void pe_parallel_blocks(int threads, int64_t n, int64_t block, double macs, pe_task fn,
                        const void* ctx);

/* The loops, one build per instruction set: x86-64-v4 (AVX-512), x86-64-v3 (AVX2 with FMA) and
   baseline x86-64. Same contract as pe_forward and pe_backward; threads >= 1, macs the call's
   multiply-adds. */
#define PE_LOOPS_DECLARE(kind, isa)                                                            \
  void pe_##kind##_forward_##isa(const pe_geometry* g, const float* x, const float* w,         \
                                 float* y, int threads, double macs);                          \
  void pe_##kind##_backward_##isa(const pe_geometry* g, const float* x, const float* w,        \
                                  const float* dy, float* dx, float* dw, int threads,         \
                                  double macs);
PE_LOOPS_DECLARE(regular, avx512)
PE_LOOPS_DECLARE(regular, avx2)
PE_LOOPS_DECLARE(regular, base)
PE_LOOPS_DECLARE(depthwise, avx512)
PE_LOOPS_DECLARE(depthwise, avx2)
PE_LOOPS_DECLARE(depthwise, base)

/* Regular only: the forward pass and the gradients with each example's kernel mixed from the
   bank inside the loops (pe_forward_mixed's and pe_backward_mixed's contracts). */
#define PE_MIXED_DECLARE(isa)                                                                  \
  void pe_regular_forward_mixed_##isa(const pe_geometry* g, const float* x, const float* r,    \
                                      const float* bank, int64_t E, float* y, int threads,     \
                                      double macs);                                            \
  void pe_regular_backward_mixed_##isa(const pe_geometry* g, const float* x, const float* r,   \
                                       const float* bank, int64_t E, const float* dy,          \
                                       float* dx, float* dr, float* dbank, int threads,        \
                                       double macs);
PE_MIXED_DECLARE(avx512)
PE_MIXED_DECLARE(avx2)
PE_MIXED_DECLARE(base)

#endif

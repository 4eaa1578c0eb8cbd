/*
 * Per-example convolution: the geometry and the entry points (see per_example_conv.h for the
 * formula and shapes). The loops are in per_example_conv_regular.c and
 * per_example_conv_depthwise.c, each built once per instruction set; pe_forward and pe_backward
 * pick the build this CPU runs; their threads are in per_example_conv_threads.c. Every element of
 * a result is summed by one thread in a fixed order, so results do not depend on the number of
 * threads.
 */
#include "per_example_conv_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
 * The loops built for this CPU: AVX-512 (x86-64-v4), AVX2 with FMA (x86-64-v3), or baseline.
 * DYNCONV_KERNELS_ISA=avx2 or base caps the choice (the tests run every build this CPU has).
 */
typedef struct {
  void (*forward)(const pe_geometry*, const float*, const float*, float*, int, double);
  void (*backward)(const pe_geometry*, const float*, const float*, const float*, float*, float*, int,
                   double);
  void (*forward_mixed)(const pe_geometry*, const float*, const float*, const float*, int64_t,
                        float*, int, double); /* NULL for depthwise, as is backward_mixed */
  void (*backward_mixed)(const pe_geometry*, const float*, const float*, const float*, int64_t,
                         const float*, float*, float*, float*, int, double);
} pe_loops;

static const pe_loops PE_REGULAR[] = {
    {pe_regular_forward_base, pe_regular_backward_base, pe_regular_forward_mixed_base,
     pe_regular_backward_mixed_base},
    {pe_regular_forward_avx2, pe_regular_backward_avx2, pe_regular_forward_mixed_avx2,
     pe_regular_backward_mixed_avx2},
    {pe_regular_forward_avx512, pe_regular_backward_avx512, pe_regular_forward_mixed_avx512,
     pe_regular_backward_mixed_avx512}};
static const pe_loops PE_DEPTHWISE[] = {
    {pe_depthwise_forward_base, pe_depthwise_backward_base, NULL, NULL},
    {pe_depthwise_forward_avx2, pe_depthwise_backward_avx2, NULL, NULL},
    {pe_depthwise_forward_avx512, pe_depthwise_backward_avx512, NULL, NULL}};

static int pe_detect_isa(void) {
  int isa = 0;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__cplusplus) && defined(PE_HAVE_ISA_BUILDS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2")) {
    isa = 1;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
      isa = 2;
    }
  }
#endif
  const char* cap = getenv("DYNCONV_KERNELS_ISA");
  if (cap != NULL && strcmp(cap, "base") == 0) isa = 0;
  if (cap != NULL && strcmp(cap, "avx2") == 0 && isa > 1) isa = 1;
  return isa;
}

static pthread_once_t pe_isa_once = PTHREAD_ONCE_INIT;
static int pe_isa_found;

static void pe_find_isa(void) { pe_isa_found = pe_detect_isa(); }

static const pe_loops* pe_loops_for(const pe_geometry* g) {
  pthread_once(&pe_isa_once, pe_find_isa);
  return g->depthwise ? &PE_DEPTHWISE[pe_isa_found] : &PE_REGULAR[pe_isa_found];
}

void pe_forward(const pe_geometry* g, const float* x, const float* w, float* y, int threads) {
  pe_loops_for(g)->forward(g, x, w, y, pe_threads(threads), pe_macs(g));
}

void pe_forward_mixed(const pe_geometry* g, const float* x, const float* r, const float* bank,
                      int64_t E, float* y, int threads) {
  /* The mixing's multiply-adds count towards the threshold for threads. */
  double mixing = (double)E * g->KH * g->KW * g->C * g->Cout * g->B;
  pthread_once(&pe_isa_once, pe_find_isa);
  PE_REGULAR[pe_isa_found].forward_mixed(g, x, r, bank, E, y, pe_threads(threads),
                                         pe_macs(g) + mixing);
}

void pe_backward_mixed(const pe_geometry* g, const float* x, const float* r, const float* bank,
                       int64_t E, const float* dy, float* dx, float* dr, float* dbank,
                       int threads) {
  pthread_once(&pe_isa_once, pe_find_isa);
  PE_REGULAR[pe_isa_found].backward_mixed(g, x, r, bank, E, dy, dx, dr, dbank,
                                          pe_threads(threads), pe_macs(g));
}

void pe_backward(const pe_geometry* g, const float* x, const float* w, const float* dy, float* dx,
                 float* dw, int threads) {
  pe_loops_for(g)->backward(g, x, w, dy, dx, dw, pe_threads(threads), pe_macs(g));
}

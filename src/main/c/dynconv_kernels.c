/*
 * dynconv's TensorFlow kernel library, loaded by TF Java with TensorFlow.loadLibrary (and by
 * Python with tf.load_op_library). It registers its ops and CPU kernels through TensorFlow's C
 * API from a load-time constructor, so it has no C++ ABI coupling to TensorFlow's build.
 *
 * Ops:
 *   DynconvProbeSquare(x: float) -> y: float, y = x * x elementwise. The probe that the build and
 *   the tests use to show that the library loads, runs in a graph and in a SavedModel, and takes a
 *   gradient registered in Java (dy/dx = 2x).
 *   DynconvPerExampleConv2D and DynconvPerExampleConv2DGrad: per-example convolution
 *   (per_example_conv_ops.c).
 *   DynconvBatchMatMulRoute and DynconvMeanRoute: pass values through, so that their gradients
 *   are ones registered in Java (gradient_routes.c).
 */
#define _POSIX_C_SOURCE 200809L /* setenv and getpid under -std=c11 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "op_registration.h"
#include "tf_c_api.h"

/* y has x's shape. */
static void same_shape(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  dc_pass_shapes(ctx, 1, status);
}

static void probe_square_compute(void* state, TF_OpKernelContext* ctx) {
  (void)state;
  TF_Status* status = TF_NewStatus();
  TF_Tensor* x = NULL;
  TF_GetInput(ctx, 0, &x, status);
  if (TF_GetCode(status) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, status);
    TF_DeleteStatus(status);
    return;
  }
  int rank = TF_NumDims(x);
  int64_t dims[8];
  if (rank > 8) {
    TF_SetStatus(status, DC_TF_INVALID_ARGUMENT,
                 "DynconvProbeSquare: input x has rank above 8; expected rank 0 to 8");
    TF_OpKernelContext_Failure(ctx, status);
    TF_DeleteTensor(x);
    TF_DeleteStatus(status);
    return;
  }
  for (int i = 0; i < rank; i++) {
    dims[i] = TF_Dim(x, i);
  }
  int64_t n = TF_TensorElementCount(x);
  TF_Tensor* y = TF_AllocateOutput(ctx, 0, DC_TF_FLOAT, dims, rank, (size_t)n * sizeof(float),
                                   status);
  if (TF_GetCode(status) == DC_TF_OK) {
    const float* in = (const float*)TF_TensorData(x);
    float* out = (float*)TF_TensorData(y);
    for (int64_t i = 0; i < n; i++) {
      out[i] = in[i] * in[i];
    }
  } else {
    TF_OpKernelContext_Failure(ctx, status);
  }
  TF_DeleteTensor(y);
  TF_DeleteTensor(x);
  TF_DeleteStatus(status);
}

int dynconv_register_per_example_conv(TF_Status* status);
int dynconv_register_gradient_routes(TF_Status* status);

/* Registration failures are printed: a constructor has no caller to return them to. */
static int check(TF_Status* status, const char* what) {
  if (TF_GetCode(status) != DC_TF_OK) {
    fprintf(stderr, "dynconv kernels: could not register %s (TensorFlow status %d)\n", what,
            TF_GetCode(status));
    return 0;
  }
  return 1;
}

/*
 * Once per process. tf.load_op_library loads every file it is given as a library of its own, so a
 * process that loads two copies of this one (the build's and an export's, or two exports') would
 * register every kernel twice, and TensorFlow then refuses to run the ops ("Multiple OpKernel
 * registrations match"). The first copy marks the process in the environment, with the process
 * id so that a child, which inherits the environment, still registers its own; later copies
 * register nothing, and the first copy's kernels serve every graph.
 */
static int registered_in_this_process(void) {
  char pid[32];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  const char* mark = getenv("DYNCONV_KERNELS_PROCESS");
  if (mark != NULL && strcmp(mark, pid) == 0) {
    return 1;
  }
  setenv("DYNCONV_KERNELS_PROCESS", pid, 1);
  return 0;
}

__attribute__((constructor)) static void register_dynconv_kernels(void) {
  if (registered_in_this_process()) {
    return;
  }
  TF_Status* status = TF_NewStatus();
  static const char* const probe_in[] = {"x: float", NULL};
  static const char* const probe_out[] = {"y: float", NULL};
  static const char* const no_attrs[] = {NULL};
  dc_register_op("DynconvProbeSquare", probe_in, probe_out, no_attrs, same_shape, dc_no_state,
                 probe_square_compute, dc_no_delete, status);
  check(status, "op DynconvProbeSquare and its CPU kernel");
  if (TF_GetCode(status) == DC_TF_OK) {
    dynconv_register_per_example_conv(status);
    check(status, "the per-example convolution ops");
  }
  if (TF_GetCode(status) == DC_TF_OK) {
    dynconv_register_gradient_routes(status);
    check(status, "the gradient routes");
  }
  TF_DeleteStatus(status);
}

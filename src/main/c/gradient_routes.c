/*
 * Gradient routes: ops that pass their inputs through without a copy and exist for their
 * gradients, which are registered in Java (conv.kernels.Gradients). A training graph computes a
 * value from inputs whose gradient is stopped and routes it through one of these ops beside those
 * inputs, so that the gradient is the route's, built from ops that run faster than those of
 * TensorFlow's own gradient for the same value (src/site/markdown/internals/kernels.md).
 *
 *   DynconvBatchMatMulRoute(product: float, x: float, k: float) -> y: float
 *     y = product = x k (x [B, N, Cin], k [B, Cin, Cout]). Gradient: dx = dy k^T, dk = x^T dy, as
 *     BatchMatMulV2 products, which oneDNN runs; TensorFlow's C++ gradient of BatchMatMulV2
 *     builds BatchMatMulV3, which it does not.
 *
 *   DynconvMeanRoute(x: float, pooled: float) -> (x_out: float, pooled_out: float), attribute
 *   pixels = H W
 *     x_out = x [B, H, W, C], pooled_out = pooled = mean of x over H and W [B, C]. Gradient:
 *     dx = dx_out + dpooled_out / (H W), broadcast over H and W, as one addition; TensorFlow
 *     builds Tile, a division and an AddN over the whole of x for the same sum.
 */
#include "op_registration.h"
#include "tf_c_api.h"

static void one_shape(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  dc_pass_shapes(ctx, 1, status);
}

static void two_shapes(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  dc_pass_shapes(ctx, 2, status);
}

/* Output i is input i, sharing its buffer, for the first n inputs. */
static void pass_through(TF_OpKernelContext* ctx, int n) {
  TF_Status* st = TF_NewStatus();
  for (int i = 0; i < n && TF_GetCode(st) == DC_TF_OK; i++) {
    TF_Tensor* t = NULL;
    TF_GetInput(ctx, i, &t, st);
    if (TF_GetCode(st) == DC_TF_OK) TF_SetOutput(ctx, i, t, st);
    TF_DeleteTensor(t);
  }
  if (TF_GetCode(st) != DC_TF_OK) TF_OpKernelContext_Failure(ctx, st);
  TF_DeleteStatus(st);
}

static void pass_one(void* state, TF_OpKernelContext* ctx) {
  (void)state;
  pass_through(ctx, 1);
}

static void pass_two(void* state, TF_OpKernelContext* ctx) {
  (void)state;
  pass_through(ctx, 2);
}

/* Registers both routes and their CPU kernels; returns 0 when every step succeeded. */
int dynconv_register_gradient_routes(TF_Status* status) {
  static const char* const matmul_in[] = {"product: float", "x: float", "k: float", NULL};
  static const char* const matmul_out[] = {"y: float", NULL};
  static const char* const mean_in[] = {"x: float", "pooled: float", NULL};
  static const char* const mean_out[] = {"x_out: float", "pooled_out: float", NULL};
  static const char* const no_attrs[] = {NULL};
  /* H W, so that the Java gradient need not read x's shape: TF Java holds the graph's lock while
   * it builds gradients, and reading a shape there waits on that lock for ever. */
  static const char* const mean_attrs[] = {"pixels: int >= 1", NULL};
  if (dc_register_op("DynconvBatchMatMulRoute", matmul_in, matmul_out, no_attrs, one_shape,
                     dc_no_state, pass_one, dc_no_delete, status) != 0) {
    return -1;
  }
  return dc_register_op("DynconvMeanRoute", mean_in, mean_out, mean_attrs, two_shapes, dc_no_state,
                        pass_two, dc_no_delete, status);
}

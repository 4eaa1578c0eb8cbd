/*
 * TensorFlow ops for per-example convolution (the loops are in per_example_conv.c):
 *
 *   DynconvPerExampleConv2D(x: float [B,H,W,C], w: float [B,KH,KW,C,N]) -> y: float [B,OH,OW,Cout]
 *   DynconvPerExampleConv2DGrad(x, w, dy: float [B,OH,OW,Cout]) -> dx: float (x's shape),
 *                                                                  dw: float (w's shape)
 *
 *   DynconvMixedConv2D(x: float [B,H,W,C], routing: float [B,E], bank: float [E,P])
 *       -> y: float [B,OH,OW,N]
 *
 *   DynconvMixedConv2DGrad(x, routing, bank, dy: float [B,OH,OW,N])
 *       -> dx: float (x's shape), drouting: float (routing's), dbank: float (bank's)
 *
 * The mixed op convolves example b with sum over e of routing[b, e] * bank[e], bank's rows being
 * the experts' kernels [KH, KW, C, N] flattened (Google CondConv's layout, P = KH * KW * C * N),
 * and mixes inside the loops (pe_forward_mixed): regular only. Its gradient op chains the
 * kernels' gradient through the mixing inside the loops too (pe_backward_mixed).
 *
 * Attributes (all ops): stride_h, stride_w, dilation_h, dilation_w (ints >= 1), padding ("SAME"
 * or "VALID", TensorFlow's rule), depthwise (bool: N is the channel multiplier and Cout = C * N;
 * otherwise Cout = N; false for the mixed op) and threads (0: every CPU of the machine). The mixed
 * op also states its kernel, kernel_h, kernel_w, in_channels and out_channels, which its Java
 * gradient reads (it cannot read shapes).
 *
 * The forward op's output shape is left unknown to shape inference (the C API cannot read int
 * attributes there); the Java builder states it (KernelOps.perExampleConv2d).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_registration.h"
#include "per_example_conv.h"
#include "tf_c_api.h"

typedef struct {
  int32_t stride_h, stride_w, dilation_h, dilation_w, threads;
  int same, depthwise;
  int32_t kernel_h, kernel_w, in_channels, out_channels; /* the mixed op's kernel */
} pe_attrs;

static const char* const PE_ATTRS[] = {
    "stride_h: int >= 1 = 1",   "stride_w: int >= 1 = 1", "dilation_h: int >= 1 = 1",
    "dilation_w: int >= 1 = 1", "padding: {'SAME', 'VALID'}", "depthwise: bool = false",
    "threads: int >= 0 = 0", NULL};

static const char* const PE_MIXED_ATTRS[] = {
    "stride_h: int >= 1 = 1",   "stride_w: int >= 1 = 1", "dilation_h: int >= 1 = 1",
    "dilation_w: int >= 1 = 1", "padding: {'SAME', 'VALID'}", "depthwise: bool = false",
    "threads: int >= 0 = 0",    "kernel_h: int >= 1",     "kernel_w: int >= 1",
    "in_channels: int >= 1",    "out_channels: int >= 1", NULL};

static void* pe_create(TF_OpKernelConstruction* ctx) {
  pe_attrs* a = (pe_attrs*)calloc(1, sizeof(pe_attrs));
  TF_Status* st = TF_NewStatus();
  char padding[8] = {0};
  unsigned char depthwise = 0;
  TF_OpKernelConstruction_GetAttrInt32(ctx, "stride_h", &a->stride_h, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "stride_w", &a->stride_w, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "dilation_h", &a->dilation_h, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "dilation_w", &a->dilation_w, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "threads", &a->threads, st);
  if (TF_GetCode(st) == DC_TF_OK) {
    TF_OpKernelConstruction_GetAttrString(ctx, "padding", padding, sizeof padding - 1, st);
  }
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "depthwise", &depthwise, st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelConstruction_Failure(ctx, st);
  }
  a->same = strncmp(padding, "SAME", 4) == 0;
  a->depthwise = depthwise != 0;
  TF_DeleteStatus(st);
  return a;
}

/* The shared attributes, then the mixed op's kernel. */
static void* pe_mixed_create(TF_OpKernelConstruction* ctx) {
  pe_attrs* a = (pe_attrs*)pe_create(ctx);
  TF_Status* st = TF_NewStatus();
  TF_OpKernelConstruction_GetAttrInt32(ctx, "kernel_h", &a->kernel_h, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "kernel_w", &a->kernel_w, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "in_channels", &a->in_channels, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "out_channels", &a->out_channels, st);
  if (TF_GetCode(st) == DC_TF_OK && a->depthwise) {
    TF_SetStatus(st, DC_TF_INVALID_ARGUMENT,
                 "DynconvMixedConv2D: attribute depthwise is true; the mixed op is regular only");
  }
  if (TF_GetCode(st) != DC_TF_OK) TF_OpKernelConstruction_Failure(ctx, st);
  TF_DeleteStatus(st);
  return a;
}

static void pe_delete(void* state) { free(state); }

/* Fails the kernel with "OP: message". */
static void pe_fail(TF_OpKernelContext* ctx, const char* op, const char* message) {
  char text[640];
  snprintf(text, sizeof text, "%s: %s", op, message);
  TF_Status* st = TF_NewStatus();
  TF_SetStatus(st, DC_TF_INVALID_ARGUMENT, text);
  TF_OpKernelContext_Failure(ctx, st);
  TF_DeleteStatus(st);
}

static void pe_shape_text(const TF_Tensor* t, char* out, size_t n) {
  size_t used = (size_t)snprintf(out, n, "[");
  for (int i = 0; i < TF_NumDims(t) && used < n; i++) {
    used += (size_t)snprintf(out + used, n - used, i ? ", %lld" : "%lld", (long long)TF_Dim(t, i));
  }
  if (used < n) snprintf(out + used, n - used, "]");
}

/*
 * Takes the strides and dilations from the attributes and derives the output size and padding
 * of g, whose shapes are filled; 0 on success, otherwise the kernel has failed saying that
 * `window` (e.g. "the window of w [...]") does not fit input x (shape text xs).
 */
static int pe_geometry_finish(TF_OpKernelContext* ctx, const char* op, const pe_attrs* a,
                              pe_geometry* g, const char* window, const char* xs) {
  g->SH = a->stride_h;
  g->SW = a->stride_w;
  g->DH = a->dilation_h;
  g->DW = a->dilation_w;
  if (g->KH < 1 || g->KW < 1 || pe_geometry_init(g, a->same) != 0) {
    char msg[400];
    snprintf(msg, sizeof msg,
             "%s (dilation %d x %d) does not fit input x %s with VALID padding; expected a window"
             " no larger than the input",
             window, a->dilation_h, a->dilation_w, xs);
    pe_fail(ctx, op, msg);
    return -1;
  }
  return 0;
}

/* Checks x and w and fills the geometry; 0 on success, otherwise the kernel has failed. */
static int pe_geometry_of(TF_OpKernelContext* ctx, const char* op, const pe_attrs* a,
                          const TF_Tensor* x, const TF_Tensor* w, pe_geometry* g) {
  char xs[128], ws[128], msg[400];
  pe_shape_text(x, xs, sizeof xs);
  pe_shape_text(w, ws, sizeof ws);
  if (TF_NumDims(x) != 4 || TF_NumDims(w) != 5 || TF_Dim(w, 0) != TF_Dim(x, 0) ||
      TF_Dim(w, 3) != TF_Dim(x, 3)) {
    snprintf(msg, sizeof msg,
             "input x has shape %s and w %s; expected x [B, H, W, C] and w [B, KH, KW, C, %s]",
             xs, ws, a->depthwise ? "M" : "Cout");
    pe_fail(ctx, op, msg);
    return -1;
  }
  memset(g, 0, sizeof *g);
  g->B = TF_Dim(x, 0);
  g->H = TF_Dim(x, 1);
  g->W = TF_Dim(x, 2);
  g->C = TF_Dim(x, 3);
  g->KH = TF_Dim(w, 1);
  g->KW = TF_Dim(w, 2);
  g->depthwise = a->depthwise;
  g->M = a->depthwise ? TF_Dim(w, 4) : 1;
  g->Cout = a->depthwise ? g->C * TF_Dim(w, 4) : TF_Dim(w, 4);
  char window[160];
  snprintf(window, sizeof window, "the window of w %s", ws);
  return pe_geometry_finish(ctx, op, a, g, window, xs);
}

/* 0 when dy has the output's shape [B, OH, OW, Cout], otherwise the kernel has failed saying so. */
static int pe_check_dy(TF_OpKernelContext* ctx, const char* op, const pe_geometry* g,
                       const TF_Tensor* dy) {
  if (TF_NumDims(dy) == 4 && TF_Dim(dy, 0) == g->B && TF_Dim(dy, 1) == g->OH &&
      TF_Dim(dy, 2) == g->OW && TF_Dim(dy, 3) == g->Cout) {
    return 0;
  }
  char ds[128], msg[300];
  pe_shape_text(dy, ds, sizeof ds);
  snprintf(msg, sizeof msg, "input dy has shape %s; expected the output's [%lld, %lld, %lld, %lld]",
           ds, (long long)g->B, (long long)g->OH, (long long)g->OW, (long long)g->Cout);
  pe_fail(ctx, op, msg);
  return -1;
}

static void pe_forward_compute(void* state, TF_OpKernelContext* ctx) {
  const pe_attrs* a = (const pe_attrs*)state;
  const char* op = "DynconvPerExampleConv2D";
  TF_Status* st = TF_NewStatus();
  TF_Tensor *x = NULL, *w = NULL, *y = NULL;
  pe_geometry g;
  TF_GetInput(ctx, 0, &x, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 1, &w, st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, st);
  } else if (pe_geometry_of(ctx, op, a, x, w, &g) == 0) {
    int64_t dims[4] = {g.B, g.OH, g.OW, g.Cout};
    size_t n = (size_t)(g.B * g.OH * g.OW * g.Cout);
    y = TF_AllocateOutput(ctx, 0, DC_TF_FLOAT, dims, 4, n * sizeof(float), st);
    if (TF_GetCode(st) != DC_TF_OK) {
      TF_OpKernelContext_Failure(ctx, st);
    } else if (TF_TensorElementCount(x) == 0 || TF_TensorElementCount(w) == 0) {
      if (n > 0) memset(TF_TensorData(y), 0, n * sizeof(float));
    } else if (n > 0) {
      pe_forward(&g, (const float*)TF_TensorData(x), (const float*)TF_TensorData(w),
                 (float*)TF_TensorData(y), a->threads);
    }
  }
  TF_DeleteTensor(y);
  TF_DeleteTensor(w);
  TF_DeleteTensor(x);
  TF_DeleteStatus(st);
}

/* Allocates output i with `like`'s shape; NULL (the kernel failed) when TensorFlow could not. */
static TF_Tensor* pe_output_like(TF_OpKernelContext* ctx, int i, const TF_Tensor* like,
                                 TF_Status* st) {
  int64_t dims[8];
  int n = TF_NumDims(like);
  for (int d = 0; d < n && d < 8; d++) dims[d] = TF_Dim(like, d);
  TF_Tensor* t = TF_AllocateOutput(ctx, i, DC_TF_FLOAT, dims, n,
                                   (size_t)TF_TensorElementCount(like) * sizeof(float), st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, st);
    TF_DeleteTensor(t);
    return NULL;
  }
  return t;
}

static void pe_grad_compute(void* state, TF_OpKernelContext* ctx) {
  const pe_attrs* a = (const pe_attrs*)state;
  const char* op = "DynconvPerExampleConv2DGrad";
  TF_Status* st = TF_NewStatus();
  TF_Tensor *x = NULL, *w = NULL, *dy = NULL, *dx = NULL, *dw = NULL;
  pe_geometry g;
  TF_GetInput(ctx, 0, &x, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 1, &w, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 2, &dy, st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, st);
  } else if (pe_geometry_of(ctx, op, a, x, w, &g) == 0 && pe_check_dy(ctx, op, &g, dy) == 0 &&
             (dx = pe_output_like(ctx, 0, x, st)) != NULL &&
             (dw = pe_output_like(ctx, 1, w, st)) != NULL) {
    size_t nx = (size_t)TF_TensorElementCount(x), nw = (size_t)TF_TensorElementCount(w);
    if (nx == 0 || nw == 0 || TF_TensorElementCount(dy) == 0) {
      if (nx > 0) memset(TF_TensorData(dx), 0, nx * sizeof(float));
      if (nw > 0) memset(TF_TensorData(dw), 0, nw * sizeof(float));
    } else {
      pe_backward(&g, (const float*)TF_TensorData(x), (const float*)TF_TensorData(w),
                  (const float*)TF_TensorData(dy), (float*)TF_TensorData(dx),
                  (float*)TF_TensorData(dw), a->threads);
    }
  }
  TF_DeleteTensor(dw);
  TF_DeleteTensor(dx);
  TF_DeleteTensor(dy);
  TF_DeleteTensor(w);
  TF_DeleteTensor(x);
  TF_DeleteStatus(st);
}

/*
 * Checks the mixed ops' x, routing and bank against the kernel attributes and fills the
 * geometry; 0 on success, otherwise the kernel has failed.
 */
static int pe_mixed_geometry(TF_OpKernelContext* ctx, const char* op, const pe_attrs* a,
                             const TF_Tensor* x, const TF_Tensor* r, const TF_Tensor* bank,
                             pe_geometry* g) {
  char xs[128], rs[128], bs[128], msg[512];
  pe_shape_text(x, xs, sizeof xs);
  pe_shape_text(r, rs, sizeof rs);
  pe_shape_text(bank, bs, sizeof bs);
  int64_t P = (int64_t)a->kernel_h * a->kernel_w * a->in_channels * a->out_channels;
  if (TF_NumDims(x) != 4 || TF_NumDims(r) != 2 || TF_NumDims(bank) != 2 ||
      TF_Dim(x, 3) != a->in_channels || TF_Dim(r, 0) != TF_Dim(x, 0) ||
      TF_Dim(bank, 0) != TF_Dim(r, 1) || TF_Dim(bank, 1) != P) {
    snprintf(msg, sizeof msg,
             "input x has shape %s, routing %s and bank %s; expected x [B, H, W, %d], routing "
             "[B, E] and bank [E, %lld] (kernels %d x %d x %d x %d flattened)",
             xs, rs, bs, a->in_channels, (long long)P, a->kernel_h, a->kernel_w,
             a->in_channels, a->out_channels);
    pe_fail(ctx, op, msg);
    return -1;
  }
  memset(g, 0, sizeof *g);
  g->B = TF_Dim(x, 0);
  g->H = TF_Dim(x, 1);
  g->W = TF_Dim(x, 2);
  g->C = a->in_channels;
  g->KH = a->kernel_h;
  g->KW = a->kernel_w;
  g->M = 1;
  g->Cout = a->out_channels;
  char window[64];
  snprintf(window, sizeof window, "the %d x %d window", a->kernel_h, a->kernel_w);
  return pe_geometry_finish(ctx, op, a, g, window, xs);
}

static void pe_mixed_compute(void* state, TF_OpKernelContext* ctx) {
  const pe_attrs* a = (const pe_attrs*)state;
  const char* op = "DynconvMixedConv2D";
  TF_Status* st = TF_NewStatus();
  TF_Tensor *x = NULL, *r = NULL, *bank = NULL, *y = NULL;
  pe_geometry g;
  TF_GetInput(ctx, 0, &x, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 1, &r, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 2, &bank, st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, st);
  } else if (pe_mixed_geometry(ctx, op, a, x, r, bank, &g) == 0) {
    int64_t dims[4] = {g.B, g.OH, g.OW, g.Cout};
    size_t n = (size_t)(g.B * g.OH * g.OW * g.Cout);
    y = TF_AllocateOutput(ctx, 0, DC_TF_FLOAT, dims, 4, n * sizeof(float), st);
    if (TF_GetCode(st) != DC_TF_OK) {
      TF_OpKernelContext_Failure(ctx, st);
    } else if (TF_TensorElementCount(x) == 0 || TF_Dim(r, 1) == 0) {
      if (n > 0) memset(TF_TensorData(y), 0, n * sizeof(float));
    } else if (n > 0) {
      pe_forward_mixed(&g, (const float*)TF_TensorData(x), (const float*)TF_TensorData(r),
                       (const float*)TF_TensorData(bank), TF_Dim(r, 1), (float*)TF_TensorData(y),
                       a->threads);
    }
  }
  TF_DeleteTensor(y);
  TF_DeleteTensor(bank);
  TF_DeleteTensor(r);
  TF_DeleteTensor(x);
  TF_DeleteStatus(st);
}

static void pe_mixed_grad_compute(void* state, TF_OpKernelContext* ctx) {
  const pe_attrs* a = (const pe_attrs*)state;
  const char* op = "DynconvMixedConv2DGrad";
  TF_Status* st = TF_NewStatus();
  TF_Tensor *x = NULL, *r = NULL, *bank = NULL, *dy = NULL, *dx = NULL, *dr = NULL, *dbank = NULL;
  pe_geometry g;
  TF_GetInput(ctx, 0, &x, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 1, &r, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 2, &bank, st);
  if (TF_GetCode(st) == DC_TF_OK) TF_GetInput(ctx, 3, &dy, st);
  if (TF_GetCode(st) != DC_TF_OK) {
    TF_OpKernelContext_Failure(ctx, st);
  } else if (pe_mixed_geometry(ctx, op, a, x, r, bank, &g) == 0 &&
             pe_check_dy(ctx, op, &g, dy) == 0 && (dx = pe_output_like(ctx, 0, x, st)) != NULL &&
             (dr = pe_output_like(ctx, 1, r, st)) != NULL &&
             (dbank = pe_output_like(ctx, 2, bank, st)) != NULL) {
    size_t nx = (size_t)TF_TensorElementCount(x), nr = (size_t)TF_TensorElementCount(r);
    size_t nb = (size_t)TF_TensorElementCount(bank);
    if (nx == 0 || nr == 0 || nb == 0 || TF_TensorElementCount(dy) == 0) {
      if (nx > 0) memset(TF_TensorData(dx), 0, nx * sizeof(float));
      if (nr > 0) memset(TF_TensorData(dr), 0, nr * sizeof(float));
      if (nb > 0) memset(TF_TensorData(dbank), 0, nb * sizeof(float));
    } else {
      pe_backward_mixed(&g, (const float*)TF_TensorData(x), (const float*)TF_TensorData(r),
                        (const float*)TF_TensorData(bank), TF_Dim(r, 1),
                        (const float*)TF_TensorData(dy), (float*)TF_TensorData(dx),
                        (float*)TF_TensorData(dr), (float*)TF_TensorData(dbank), a->threads);
    }
  }
  TF_DeleteTensor(dbank);
  TF_DeleteTensor(dr);
  TF_DeleteTensor(dx);
  TF_DeleteTensor(dy);
  TF_DeleteTensor(bank);
  TF_DeleteTensor(r);
  TF_DeleteTensor(x);
  TF_DeleteStatus(st);
}

static void pe_unknown_shape(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  (void)status;
  TF_ShapeInferenceContextSetUnknownShape(ctx, status);
}

/* dx has x's shape and dw has w's. */
static void pe_grad_shapes(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  dc_pass_shapes(ctx, 2, status);
}

/* Registers op `name` with the shared attributes and its CPU kernel; 0 when both succeeded. */
static int pe_register(const char* name, const char* const* inputs, const char* const* outputs,
                       void (*shapes)(TF_ShapeInferenceContext*, TF_Status*),
                       void (*compute)(void*, TF_OpKernelContext*), TF_Status* status) {
  return dc_register_op(name, inputs, outputs, PE_ATTRS, shapes, pe_create, compute, pe_delete,
                        status);
}

/* dx, drouting and dbank have the shapes of x, routing and bank. */
static void pe_mixed_grad_shapes(TF_ShapeInferenceContext* ctx, TF_Status* status) {
  dc_pass_shapes(ctx, 3, status);
}

/* Registers the four ops and their CPU kernels; returns 0 when every step succeeded. */
int dynconv_register_per_example_conv(TF_Status* status) {
  static const char* const mixed_in[] = {"x: float", "routing: float", "bank: float", NULL};
  static const char* const fwd_in[] = {"x: float", "w: float", NULL};
  static const char* const fwd_out[] = {"y: float", NULL};
  static const char* const grad_in[] = {"x: float", "w: float", "dy: float", NULL};
  static const char* const grad_out[] = {"dx: float", "dw: float", NULL};
  if (pe_register("DynconvPerExampleConv2D", fwd_in, fwd_out, pe_unknown_shape,
                  pe_forward_compute, status) != 0) {
    return -1;
  }
  if (pe_register("DynconvPerExampleConv2DGrad", grad_in, grad_out, pe_grad_shapes,
                  pe_grad_compute, status) != 0) {
    return -1;
  }
  static const char* const mixed_grad_in[] = {"x: float", "routing: float", "bank: float",
                                               "dy: float", NULL};
  static const char* const mixed_grad_out[] = {"dx: float", "drouting: float", "dbank: float",
                                                NULL};
  if (dc_register_op("DynconvMixedConv2D", mixed_in, fwd_out, PE_MIXED_ATTRS, pe_unknown_shape,
                     pe_mixed_create, pe_mixed_compute, pe_delete, status) != 0) {
    return -1;
  }
  return dc_register_op("DynconvMixedConv2DGrad", mixed_grad_in, mixed_grad_out, PE_MIXED_ATTRS,
                        pe_mixed_grad_shapes, pe_mixed_create, pe_mixed_grad_compute, pe_delete,
                        status);
}

/*
 * Per-example convolution on the CPU, NHWC, float32: every example b of the batch is convolved with
 * its own kernel w[b]. No TensorFlow here: raw arrays in, raw arrays out (the TensorFlow glue is in
 * per_example_conv_ops.c).
 *
 * Shapes: x [B, H, W, C]; regular w [B, KH, KW, C, Cout]; depthwise w [B, KH, KW, C, M] with
 * Cout = C * M (output channel c * M + m reads input channel c); y [B, OH, OW, Cout].
 *
 *   y[b, oh, ow, o] = sum over kh, kw (and ci when regular) of
 *                     x[b, oh * SH + kh * DH - PT, ow * SW + kw * DW - PL, ci] * w[b, kh, kw, ci, o]
 *
 * with x zero outside the image (TensorFlow's SAME and VALID padding both take this form; see
 * pe_geometry_init).
 *
 * Every output element (of y, dx and dw) is computed by one thread in a fixed order, so results
 * are bit-identical from run to run, whatever the number of threads.
 */
#ifndef DYNCONV_PER_EXAMPLE_CONV_H
#define DYNCONV_PER_EXAMPLE_CONV_H

#include <stdint.h>

typedef struct {
  int64_t B, H, W, C;   /* input */
  int64_t KH, KW;       /* kernel window */
  int64_t M;            /* depthwise multiplier (depthwise only) */
  int64_t Cout;         /* output channels: w's last axis (regular) or C * M (depthwise) */
  int64_t SH, SW;       /* strides */
  int64_t DH, DW;       /* dilations */
  int64_t OH, OW;       /* output size */
  int64_t PT, PL;       /* zero rows above and columns left of the image */
  int depthwise;
} pe_geometry;

/*
 * Fills the output size and padding from the rest, with TensorFlow's rule: SAME gives
 * OH = ceil(H / SH) and pads max((OH - 1) * SH + (KH - 1) * DH + 1 - H, 0) rows, the smaller half
 * on top; VALID gives OH = ceil((H - (KH - 1) * DH) / SH) and no padding. The same for columns.
 * Returns 0, or -1 when the window is larger than a VALID input (no output).
 */
int pe_geometry_init(pe_geometry* g, int same);

/* y = conv(x, w), y of shape [B, OH, OW, Cout]. threads <= 1 runs on the caller's thread. */
void pe_forward(const pe_geometry* g, const float* x, const float* w, float* y, int threads);

/*
 * Regular only: y = conv(x, w) with each example's kernel mixed from an expert bank inside the
 * loops, w[b] = sum over e of r[b, e] * bank[e]; r [B, E], bank [E, KH, KW, C, Cout]. No
 * per-example kernel is written to memory: each is mixed a panel of output channels at a time,
 * into a buffer that stays in cache while the panel is convolved.
 */
void pe_forward_mixed(const pe_geometry* g, const float* x, const float* r, const float* bank,
                      int64_t E, float* y, int threads);

/*
 * Regular only: the gradients of sum(y * dy) for pe_forward_mixed, dx [B, H, W, C], dr [B, E]
 * and dbank [E, KH, KW, C, Cout]: with dw[b] the gradient of example b's kernel,
 * dr[b, e] = <dw[b], bank[e]> and dbank[e] = sum over b of r[b, e] * dw[b]. No dw[b] is written
 * to memory: each tile of it is folded into dr and dbank while it is in registers. dx may be
 * NULL, or dr and dbank, when not wanted.
 */
void pe_backward_mixed(const pe_geometry* g, const float* x, const float* r, const float* bank,
                       int64_t E, const float* dy, float* dx, float* dr, float* dbank,
                       int threads);

/*
 * The gradients of sum(y * dy): dx [B, H, W, C] and dw (w's shape). Either may be NULL when not
 * wanted.
 */
void pe_backward(const pe_geometry* g, const float* x, const float* w, const float* dy, float* dx,
                 float* dw, int threads);

#endif

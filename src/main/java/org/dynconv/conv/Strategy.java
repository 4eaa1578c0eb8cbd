package org.dynconv.conv;

/** How a conditional layer runs its per-example convolution. */
public enum Strategy {
  /** Chosen per layer shape, batch regime and runtime; never a path that cannot train. */
  AUTO,
  /** Batch folded into channels, one Conv2D with B groups (B*C groups for depthwise). */
  GROUPED,
  /**
   * Batch folded into channels of one DepthwiseConv2dNative; a regular conv runs as a depthwise
   * conv with multiplier Cout followed by a sum over input channels (Cin times the memory).
   */
  DEPTHWISE_FOLD,
  /** 1x1 kernels only: {@code [B,HW,Cin] x [B,Cin,Cout]} (an elementwise product for depthwise). */
  BATCHED_MATMUL,
  /** Google's split / conv / concat over a batch that must be static. */
  LOOP,
  /** Batch-1 fusion: one example, its kernel mixed once, one plain convolution. */
  FUSED,
  /**
   * ODConv with one kernel only: the per-example spatial attention applied to the input's
   * shifted views, then one shared convolution ({@link TapConv}); no per-example kernel.
   */
  TAPS,
  /**
   * dynconv's own CPU kernel ({@link KernelConv}, the kernel library's {@code
   * DynconvPerExampleConv2D}): every example convolved with its mixed kernel directly, any batch,
   * regular and depthwise, with its gradient; a regular layer whose kernels are {@code routing
   * bank} has them mixed inside the library's loops instead ({@code DynconvMixedConv2D}, whose
   * gradient chains through the mixing there too). Only where the library is loaded; AUTO takes
   * it where measured fastest in training graphs and {@code Mode.INFER_KERNELS} graphs ({@code
   * export --kernels}), never in {@code Mode.INFER} graphs, since a default export holding it
   * would need the library to load.
   */
  KERNEL
}

package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ChannelFusion;
import org.dynconv.nn.BatchNormFold;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.Norm;
import org.dynconv.routing.DcdBranch;
import org.dynconv.routing.PooledInput;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Dynamic convolution decomposition (DCD, Li et al., ICLR 2021), as the official code computes
 * it: a static convolution scaled per example and output channel, plus a dynamic channel fusion
 * in an L-dimensional latent space. Nothing is computed per example but small vectors and
 * matrices; there is no per-example kernel.
 *
 * <pre>
 * r   = conv(x; W0)                      [B,H',W',O]  the layer's geometry, no bias
 * lambda, Phi = branch(x)                [B,O], [B,L,L]   (see {@link DcdBranch})
 * z   = BN1(Q x_c)                       [B,H',W',L]  Q 1x1 at the layer's stride, on the input
 *                                                     rows and columns at the kernel's centre taps
 * t   = BN2(Phi z) + z                   [B,H',W',L]  one BatchMatMulV2 (see {@link ChannelFusion})
 * out = P t + lambda * r                 [B,H',W',O]  P 1x1, no bias
 * </pre>
 *
 * With BatchNorms folded at inference this is the paper's per-example kernel {@code W_b =
 * diag(lambda_b) W0 + P (I + diag(g2) Phi_b) diag(g1) Q} plus a per-example bias; the low-rank term
 * is 1x1 and lands on the centre tap of a k x k kernel. The 1x1 branch follows the main
 * convolution's centre tap (see {@link ConvGeometry#centreOffsetH}), which equals PyTorch's
 * alignment wherever TensorFlow's padding equals PyTorch's {@code k // 2}; with SAME padding,
 * stride 2 and an even input both are shifted by one row and column against PyTorch's layer.
 *
 * <p>Variables under the layer's scope: {@code kernel [kh,kw,C,O]} (W0), {@code q/kernel
 * [1,1,C,L]}, {@code q_batch_normalization/*} (BN1), {@code phi_batch_normalization/*} (BN2),
 * {@code p/kernel [1,1,L,O]}, all convolutions drawn from Normal(0, sqrt(2 / (kh*kw*Cout))), and
 * the branch's {@code fc}, {@code se}, {@code fc_scale}, {@code fc_phi} kernels. Like the
 * official layer it has no bias and no activation: a BatchNorm and activation follow it in a
 * block.
 */
public final class DcdConv2d {
  private static final String LAYER = "DcdConv2d";
  private final LayerScope scope;
  private final DcdConv2dConfig config;
  private final int inChannels;
  private final Conv2d conv;
  private final Conv2d q;
  private final Norm bn1;
  private final ChannelFusion fusion;
  private final Conv2d p;
  private final DcdBranch branch;
  private final BatchNormFold bn1Fold;

  private DcdConv2d(LayerScope scope, DcdConv2dConfig config, int inChannels, boolean foldBatchNorm) {
    this.scope = scope;
    this.config = config;
    this.inChannels = inChannels;
    int l = config.latent(), o = config.filters();
    ConvGeometry g = config.geometry();
    this.conv = Conv2d.create(scope, Conv2dConfig.of(o, g).withBias(false), inChannels);
    ConvGeometry pointwise = new ConvGeometry(1, 1, g.strideH(), g.strideW(), 1, 1, Padding.VALID);
    this.q = Conv2d.create(scope.child("q"), Conv2dConfig.of(l, pointwise).withBias(false),
        inChannels);
    LayerScope bn1Scope = scope.child("q_batch_normalization");
    this.bn1 = Norm.create(bn1Scope, config.batchNorm(), l, foldBatchNorm);
    this.bn1Fold = new BatchNormFold(q.kernel().name(), l, bn1Scope.path(),
        config.batchNorm().epsilon());
    this.fusion = ChannelFusion.create(scope, scope.child("phi_batch_normalization"), l,
        config.batchNorm());
    this.p = Conv2d.create(scope.child("p"), Conv2dConfig.of(o, ConvGeometry.of(1))
        .withBias(false), l);
    this.branch = DcdBranch.create(scope, inChannels, config.poolBins(), config.squeeze(), l, o);
  }

  /** Creates the variables under {@code scope}. */
  public static DcdConv2d create(LayerScope scope, DcdConv2dConfig config, int inChannels) {
    return create(scope, config, inChannels, false);
  }

  /**
   * As {@link #create(LayerScope, DcdConv2dConfig, int)}; with {@code foldBatchNorm} (inference
   * graphs of folded exports) BN1 is a bias whose scale lives in {@code q/kernel}.
   */
  public static DcdConv2d create(LayerScope scope, DcdConv2dConfig config, int inChannels,
      boolean foldBatchNorm) {
    Check.notNull(LAYER, "config", config);
    Check.positive(LAYER, "inChannels", inChannels);
    int maxLatent = Math.max(inChannels * config.poolBins() * config.poolBins(), config.filters());
    if (config.latent() > Math.max(4, maxLatent)) {
      throw new IllegalArgumentException(LAYER + " '" + scope.path() + "': latent=" + config.latent()
          + " is invalid for " + inChannels + " input channels and " + config.filters()
          + " filters; expected latent <= max(4, inChannels * poolBins^2, filters) = "
          + Math.max(4, maxLatent) + ".");
    }
    return new DcdConv2d(scope, config, inChannels, foldBatchNorm);
  }

  /**
   * @param x {@code [B,H,W,C]}, H, W, C static, B may be unknown
   * @return {@code [B,H',W',O]} with the BatchNorm updates (TRAIN) and lambda, Phi
   */
  public DcdOutput apply(Operand<TFloat32> x, Mode mode) {
    long[] nhwc = Shapes.requireNhwc(LAYER, scope, x);
    Shapes.requireChannels(LAYER, scope, nhwc, inChannels);
    int h = (int) nhwc[1], w = (int) nhwc[2];
    ConvGeometry g = config.geometry();
    int oh, ow;
    try {
      oh = g.outputHeight(h);
      ow = g.outputWidth(w);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(LAYER + " '" + scope.path() + "': " + e.getMessage(), e);
    }
    Ops tf = scope.ops();
    List<Op> updates = new ArrayList<>();
    // The convolutions read the pool's x, so that in training the mean's gradient joins theirs
    // in one addition (PooledInput).
    PooledInput in = branch.pool(x, mode);
    x = in.x();
    DcdBranch.Attention att = branch.applyPooled(in.pooled());
    if (!mode.training() && nhwc[0] == 1) {
      return new DcdOutput(Forward.of(fusedSingle(tf, x, att)), att);
    }
    Operand<TFloat32> r = conv.apply(x);
    Forward z = bn1.apply(q.apply(centreTaps(tf, x, h, w, oh, ow)), mode);
    updates.addAll(z.updates());
    int l = config.latent();
    Operand<TFloat32> z3 = tf.reshape(z.output(), tf.constant(new long[] {-1, (long) oh * ow, l}));
    Forward t = fusion.apply(z3, att.phi(), mode);
    updates.addAll(t.updates());
    Operand<TFloat32> pt = p.apply(tf.reshape(t.output(), tf.constant(new long[] {-1, oh, ow, l})));
    Operand<TFloat32> lambda = tf.reshape(att.lambda(),
        tf.constant(new long[] {-1, 1, 1, config.filters()}));
    Operand<TFloat32> out = tf.math.add(pt, tf.math.mul(lambda, r));
    return new DcdOutput(new Forward(out, updates), att);
  }

  /**
   * Batch-1 fusion for inference: with one example, the layer is one convolution with the kernel
   * the paper writes, {@code W = W0 * lambda + P^T M diag(s1) Q^T} at the centre tap ({@code M = I
   * + diag(s2) Phi}; {@code s_i, h_i} BN_i's inference scale and shift), plus the bias {@code
   * P^T (M h1 + h2)}: a few small products instead of the feature-space passes, whose fixed cost
   * dominates at batch 1. The same function as the batched form.
   */
  private Operand<TFloat32> fusedSingle(Ops tf, Operand<TFloat32> x, DcdBranch.Attention att) {
    int l = config.latent(), o = config.filters();
    ConvGeometry g = config.geometry();
    org.dynconv.nn.Norm.Affine n1 = bn1.inference(tf);
    org.dynconv.nn.Norm.Affine n2 = fusion.batchNorm().inference(tf);
    Operand<TFloat32> rows = tf.reshape(n2.scale(), tf.constant(new long[] {l, 1}));
    Operand<TFloat32> phi = tf.reshape(att.phi(), tf.constant(new long[] {l, l}));
    Operand<TFloat32> m = tf.math.add(tf.math.mul(phi, rows), identity(tf, l));
    Operand<TFloat32> qk = tf.reshape(q.kernel().read(), tf.constant(new long[] {inChannels, l}));
    if (n1.scale() != null) {
      qk = tf.math.mul(qk, n1.scale());
    }
    Operand<TFloat32> pk = tf.reshape(p.kernel().read(), tf.constant(new long[] {l, o}));
    Operand<TFloat32> lowRank = tf.linalg.matMul(tf.linalg.matMul(qk, m,
        org.tensorflow.op.linalg.MatMul.transposeB(true)), pk);
    Operand<TFloat32> kernel = tf.math.mul(conv.kernel().read(),
        tf.reshape(att.lambda(), tf.constant(new long[] {o})));
    int ch = (g.kernelH() - 1) / 2, cw = (g.kernelW() - 1) / 2;
    Operand<TFloat32> centre = tf.reshape(lowRank, tf.constant(new long[] {1, 1, inChannels, o}));
    if (ch > 0 || cw > 0) {
      centre = tf.pad(centre, tf.constant(new int[][] {{ch, ch}, {cw, cw}, {0, 0}, {0, 0}}),
          tf.constant(0f));
    }
    kernel = tf.math.add(kernel, centre);
    Operand<TFloat32> h1 = tf.reshape(n1.shift(), tf.constant(new long[] {1, l}));
    Operand<TFloat32> shifted = tf.math.add(tf.linalg.matMul(h1, m,
        org.tensorflow.op.linalg.MatMul.transposeB(true)), n2.shift());
    Operand<TFloat32> bias = tf.reshape(tf.linalg.matMul(shifted, pk), tf.constant(new long[] {o}));
    return tf.nn.biasAdd(org.dynconv.nn.ConvOps.conv2d(tf, x, kernel, g), bias);
  }

  private static Operand<TFloat32> identity(Ops tf, int n) {
    float[] eye = new float[n * n];
    for (int i = 0; i < n; i++) {
      eye[i * n + i] = 1f;
    }
    return tf.constant(org.tensorflow.ndarray.Shape.of(n, n),
        org.tensorflow.ndarray.buffer.DataBuffers.of(eye, true, false));
  }

  /**
   * The input rows and columns the 1x1 branch reads: the centre tap of each output position's
   * window, {@code x[:, i*s + offH, j*s + offW, :]}, sliced so that a 1x1 VALID convolution at
   * the layer's stride reads exactly them.
   */
  private Operand<TFloat32> centreTaps(Ops tf, Operand<TFloat32> x, int h, int w, int oh, int ow) {
    ConvGeometry g = config.geometry();
    int offH = g.centreOffsetH(h), offW = g.centreOffsetW(w);
    int spanH = (oh - 1) * g.strideH() + 1, spanW = (ow - 1) * g.strideW() + 1;
    if (offH == 0 && offW == 0 && spanH == h && spanW == w) {
      return x;
    }
    // int32 begin/size: Slice's C++ gradient mixes them with int32 shapes.
    return tf.slice(x, tf.constant(new int[] {0, offH, offW, 0}),
        tf.constant(new int[] {-1, spanH, spanW, inChannels}));
  }

  /** Multiply-adds per example for an {@code h x w} input, the dynamic branch included. */
  public long macs(int h, int w) {
    ConvGeometry g = config.geometry();
    long positions = (long) g.outputHeight(h) * g.outputWidth(w);
    long o = config.filters(), l = config.latent(), c = inChannels;
    long main = positions * g.kernelH() * g.kernelW() * c * o;
    return main + positions * (c * l + l * o + o) + fusion.macs(positions) + branch.macs(h, w);
  }

  /** W0 and P: the kernels whose output channels a following BatchNorm scales when folded. */
  public List<String> outputKernels() {
    return List.of(conv.kernel().name(), p.kernel().name());
  }

  /** BN1 folded into Q. */
  public BatchNormFold latentFold() {
    return bn1Fold;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(conv.variables());
    vs.addAll(q.variables());
    vs.addAll(bn1.variables());
    vs.addAll(fusion.variables());
    vs.addAll(p.variables());
    vs.addAll(branch.variables());
    return List.copyOf(vs);
  }

  public DcdConv2dConfig config() {
    return config;
  }

  public LayerScope scope() {
    return scope;
  }

  public int inChannels() {
    return inChannels;
  }
}

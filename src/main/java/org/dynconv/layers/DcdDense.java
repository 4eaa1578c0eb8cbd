package org.dynconv.layers;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Shapes;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ChannelFusion;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.Dense;
import org.dynconv.nn.DenseConfig;
import org.dynconv.routing.DcdBranch;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DCD's dynamic classifier (the official {@code DYCls}): a dense layer decomposed like {@link
 * DcdConv2d}, on pooled features {@code x [B,C]}:
 *
 * <pre>
 * lambda, Phi = branch(x)           [B,units], [B,L,L]  ({@link DcdBranch} without pooling)
 * z   = BN1(x Q)                    [B,L]
 * t   = BN2(Phi z) + z              [B,L]
 * out = t P + lambda * (x W + b)    [B,units]
 * </pre>
 *
 * The only biased weight is the static one. BN1 and BN2 normalise over the batch. Variables under
 * the layer's scope: {@code kernel [C,units]}, {@code bias [units]}, {@code q/kernel [C,L]},
 * {@code p/kernel [L,units]}, {@code q_batch_normalization/*}, {@code phi_batch_normalization/*}
 * and the branch's {@code fc}, {@code se}, {@code fc_scale}, {@code fc_phi}; dense kernels drawn
 * from Normal(0, 0.01), the official MobileNetV2 init.
 */
public final class DcdDense {
  private static final String LAYER = "DcdDense";
  private final LayerScope scope;
  private final DcdDenseConfig config;
  private final int inFeatures;
  private final Dense dense;
  private final Dense q;
  private final BatchNorm bn1;
  private final ChannelFusion fusion;
  private final Dense p;
  private final DcdBranch branch;

  private DcdDense(LayerScope scope, DcdDenseConfig config, int inFeatures) {
    this.scope = scope;
    this.config = config;
    this.inFeatures = inFeatures;
    DenseConfig.KernelInit init = DenseConfig.KernelInit.NORMAL_0_01;
    int l = config.latent(), u = config.units();
    this.dense = Dense.create(scope, DenseConfig.linear(u, init).withBias(true), inFeatures);
    this.q = Dense.create(scope.child("q"), DenseConfig.linear(l, init), inFeatures);
    this.bn1 = BatchNorm.create(scope.child("q_batch_normalization"), config.batchNorm(), l);
    this.fusion = ChannelFusion.create(scope, scope.child("phi_batch_normalization"), l,
        config.batchNorm());
    this.p = Dense.create(scope.child("p"), DenseConfig.linear(u, init), l);
    this.branch = DcdBranch.create(scope, inFeatures, 1, config.squeeze(), l, u);
  }

  public static DcdDense create(LayerScope scope, DcdDenseConfig config, int inFeatures) {
    Check.notNull(LAYER, "config", config);
    Check.positive(LAYER, "inFeatures", inFeatures);
    return new DcdDense(scope, config, inFeatures);
  }

  /** {@code [B,C] -> [B,units]} with the BatchNorm updates in TRAIN, and lambda and Phi. */
  public DcdOutput apply(Operand<TFloat32> x, Mode mode) {
    Shapes.requireMatrix(LAYER, scope, x, inFeatures);
    Ops tf = scope.ops();
    List<Op> updates = new ArrayList<>();
    DcdBranch.Attention att = branch.applyPooled(x);
    Operand<TFloat32> r = tf.math.mul(att.lambda(), dense.apply(x));
    Forward z = bn1.apply(q.apply(x), mode);
    updates.addAll(z.updates());
    int l = config.latent();
    Forward t = fusion.apply(tf.reshape(z.output(), tf.constant(new long[] {-1, 1, l})), att.phi(),
        mode);
    updates.addAll(t.updates());
    Operand<TFloat32> pt = p.apply(tf.reshape(t.output(), tf.constant(new long[] {-1, l})));
    return new DcdOutput(new Forward(tf.math.add(pt, r), updates), att);
  }

  /** Multiply-adds per example: the dense layer, the latent path and the branch. */
  public long macs() {
    long c = inFeatures, l = config.latent(), u = config.units();
    return c * u + u + c * l + fusion.macs(1) + l * u + branch.macs(1, 1) - c;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(dense.variables());
    vs.addAll(q.variables());
    vs.addAll(bn1.variables());
    vs.addAll(fusion.variables());
    vs.addAll(p.variables());
    vs.addAll(branch.variables());
    return List.copyOf(vs);
  }

  public DcdDenseConfig config() {
    return config;
  }

  public LayerScope scope() {
    return scope;
  }
}

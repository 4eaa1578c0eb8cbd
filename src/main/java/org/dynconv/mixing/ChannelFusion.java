package org.dynconv.mixing;

import java.util.List;
import org.dynconv.config.Check;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.nn.BatchMatMul;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.BatchNormConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DCD's dynamic channel fusion in the latent space: {@code t = BN2(Phi z) + z} per position, with
 * a per-example {@code Phi [B,L,L]}. For {@code z [B,N,L]} this is one {@code BatchMatMulV2}
 * {@code z x Phi^T} (no per-example kernel and no loop), then BN2 over the last axis with
 * statistics over batch and positions (the official BatchNorm1d on {@code [B,L,N]}), then the
 * identity term the paper's formula {@code W = Lambda W0 + P Phi Q^T} does not show.
 *
 * <p>Folding BN2 and the identity into the per-example matrix ({@code t = z (diag(s) Phi + I)^T +
 * h}) saves a pass over the narrow {@code [B,N,L]} tensor but adds more small ops than it saves
 * time; the fused form is used only where a whole layer folds into one kernel (see {@link
 * org.dynconv.layers.DcdConv2d}).
 *
 * <p>Variables: BN2's {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}
 * [L] under the given scope.
 */
public final class ChannelFusion {
  private final LayerScope scope;
  private final int latent;
  private final BatchNorm bn;

  private ChannelFusion(LayerScope scope, int latent, BatchNorm bn) {
    this.scope = scope;
    this.latent = latent;
    this.bn = bn;
  }

  /** Creates BN2 under {@code bnScope}; the fusion ops go under {@code scope}. */
  public static ChannelFusion create(LayerScope scope, LayerScope bnScope, int latent,
      BatchNormConfig config) {
    Check.positive("ChannelFusion", "latent", latent);
    return new ChannelFusion(scope, latent, BatchNorm.create(bnScope, config, latent));
  }

  /**
   * @param z {@code [B,N,L]}, N static
   * @param phi {@code [B,L,L]}
   * @return {@code t [B,N,L]}, with BN2's moving-statistic updates in TRAIN
   */
  public Forward apply(Operand<TFloat32> z, Operand<TFloat32> phi, Mode mode) {
    long[] zs = z.shape().asArray();
    long[] ps = phi.shape().asArray();
    if (zs.length != 3 || zs[2] != latent || ps.length != 3 || ps[1] != latent || ps[2] != latent) {
      throw new IllegalArgumentException("ChannelFusion '" + scope.path() + "': expected z [B,N,"
          + latent + "] and Phi [B," + latent + "," + latent + "]; received z " + z.shape()
          + " and Phi " + phi.shape() + ".");
    }
    Ops tf = scope.ops();
    Forward normed = bn.apply(BatchMatMul.of(tf, z, phi, false, true), mode);
    return new Forward(tf.math.add(normed.output(), z), normed.updates());
  }

  /** Multiply-adds per example for N positions: the product. */
  public long macs(long positions) {
    return positions * latent * latent;
  }

  public BatchNorm batchNorm() {
    return bn;
  }

  public List<VariableRef> variables() {
    return bn.variables();
  }
}

package org.dynconv.layers;

import java.util.List;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.mixing.ExpertBank;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What every conditional convolution offers: a forward pass with given routing (or attention)
 * weights, the strategy it would use, its expert bank and variables.
 */
public interface ConditionalConv {
  /**
   * @param x {@code [B,H,W,Cin]}, H, W, Cin static
   * @param routing {@code [B,E]} routing or attention weights
   * @param mode INFER lets AUTO use paths without gradients
   */
  Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> routing, Mode mode);

  /** The strategy {@link #apply} would use for this input in {@code mode}. */
  Strategy strategyFor(Operand<TFloat32> x, Mode mode);

  ExpertBank experts();

  List<VariableRef> variables();

  LayerScope scope();

  /** Convolution plus kernel-mixing multiply-adds per example for an {@code h x w} input. */
  long macs(int h, int w);
}

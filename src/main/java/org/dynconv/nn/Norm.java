package org.dynconv.nn;

import java.util.List;
import org.dynconv.graph.Forward;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;

/**
 * The normalisation after a convolution: a {@link BatchNorm}, or in a graph with folded
 * BatchNorms a {@link FoldedBias} (its scale lives in the convolution's kernel).
 */
public interface Norm {
  Forward apply(org.tensorflow.Operand<org.tensorflow.types.TFloat32> x, Mode mode);

  List<VariableRef> variables();

  /**
   * The inference-mode function as {@code y = scale * x + shift} per channel, for layers that fold
   * it into a kernel; {@code scale} is null when it is 1 (a folded BatchNorm's scale already lives
   * in the kernel before it).
   */
  Affine inference(org.tensorflow.op.Ops tf);

  /** {@code y = scale * x + shift}; scale null means 1. */
  record Affine(org.tensorflow.Operand<org.tensorflow.types.TFloat32> scale,
      org.tensorflow.Operand<org.tensorflow.types.TFloat32> shift) {}

  /** A BatchNorm at {@code scope}, or its folded bias when {@code folded}. */
  static Norm create(LayerScope scope, BatchNormConfig config, int channels, boolean folded) {
    if (!folded) {
      BatchNorm bn = BatchNorm.create(scope, config, channels);
      return new Norm() {
        @Override
        public Forward apply(org.tensorflow.Operand<org.tensorflow.types.TFloat32> x, Mode mode) {
          return bn.apply(x, mode);
        }

        @Override
        public List<VariableRef> variables() {
          return bn.variables();
        }

        @Override
        public Affine inference(org.tensorflow.op.Ops tf) {
          return bn.inference(tf);
        }
      };
    }
    FoldedBias fb = FoldedBias.create(scope, channels);
    return new Norm() {
      @Override
      public Forward apply(org.tensorflow.Operand<org.tensorflow.types.TFloat32> x, Mode mode) {
        if (mode.training()) {
          throw new IllegalStateException("Norm: a folded BatchNorm at '" + scope.path()
              + "' cannot train; expected Mode.INFER.");
        }
        return Forward.of(fb.apply(x));
      }

      @Override
      public List<VariableRef> variables() {
        return List.of(fb.variable());
      }

      @Override
      public Affine inference(org.tensorflow.op.Ops tf) {
        return new Affine(null, fb.variable().read());
      }
    };
  }
}

package org.dynconv.mixing;

import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializer;
import org.dynconv.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The expert variables of one conditional layer, in Google CondConv's layout: a kernel {@code [E,
 * P]} whose row e is expert e's kernel (shape {@code expertShape}, e.g. HWIO) flattened row-major,
 * and optionally a bias {@code [E, O]}.
 *
 * <p>In a graph built with a half-width {@link BankPrecision} (inference only) the kernel is
 * stored in that type and mixed in it: the routing weights are rounded to it, the product runs at
 * half width (half the bytes read per mixed kernel) and the mixed kernels are widened to float32
 * for the convolution. The bias stays float32.
 */
public final class ExpertBank {
  private final VariableRef kernel;
  private final VariableRef bias;
  private final int numExperts;
  private final long[] expertShape;

  private ExpertBank(VariableRef kernel, VariableRef bias, int numExperts, long[] expertShape) {
    this.kernel = kernel;
    this.bias = bias;
    this.numExperts = numExperts;
    this.expertShape = expertShape;
  }

  /**
   * Creates the variables.
   *
   * @param kernelName local name of the kernel variable ({@code condconv_kernel}, ...)
   * @param biasName local name of the bias variable, or null for no bias
   * @param expertShape one expert's kernel shape; {@code P} is its product
   * @param perExpertInit initialises each expert as a single kernel of {@code expertShape}; since
   *     every expert is drawn from the same distribution, one draw of shape {@code [E,P]} is the
   *     same thing
   * @param biasWidth O, the bias length per expert
   */
  public static ExpertBank create(
      LayerScope scope, String kernelName, String biasName, int numExperts, long[] expertShape,
      Initializer perExpertInit, int biasWidth) {
    long p = Shape.of(expertShape).size();
    VariableRef k =
        Variables.create(scope, kernelName, Shape.of(numExperts, p), perExpertInit,
            VariableRef.Kind.TRAINABLE, scope.bankPrecision());
    VariableRef b =
        biasName == null
            ? null
            : Variables.create(scope, biasName, Shape.of(numExperts, biasWidth),
                Initializers.zeros(), VariableRef.Kind.TRAINABLE);
    return new ExpertBank(k, b, numExperts, expertShape.clone());
  }

  /** Per-example kernels {@code [B, P]}. */
  public Operand<TFloat32> mixKernels(Ops tf, Operand<TFloat32> routing) {
    return mixStored(tf, routing, ExpertMixer::mix);
  }

  /** Kernels laid out {@code [P, B]}, example index last (for any B). */
  public Operand<TFloat32> mixKernelsExampleLast(Ops tf, Operand<TFloat32> routing) {
    return mixStored(tf, routing, ExpertMixer::mixTransposed);
  }

  /**
   * One example's kernel {@code [P, 1]} for routing {@code [1,E]}, mixed in the layout this
   * runtime computes faster ({@link ExpertMixer#mixOne}).
   */
  public Operand<TFloat32> mixKernelSingle(Ops tf, Operand<TFloat32> routing) {
    return mixStored(tf, routing, ExpertMixer::mixOne);
  }

  /** The product in the kernel's stored type, widened to float32 when that is narrower. */
  private Operand<TFloat32> mixStored(Ops tf, Operand<TFloat32> routing,
      ExpertMixer.Product product) {
    if (!kernel.halfWidth()) {
      return product.apply(tf, routing, kernel.read());
    }
    return ExpertMixer.mixAtWidth(tf, routing, kernel.stored(), product);
  }

  /** The type the kernel is stored and mixed in. */
  public BankPrecision precision() {
    for (BankPrecision p : BankPrecision.values()) {
      if (p.dataType() == kernel.dtype()) {
        return p;
      }
    }
    throw new IllegalStateException("ExpertBank: kernel '" + kernel.name() + "' is stored as "
        + kernel.dtype() + "; expected float32, bfloat16 or float16.");
  }

  /** Per-example biases {@code [B, O]}; only when {@link #hasBias()}. */
  public Operand<TFloat32> mixBiases(Ops tf, Operand<TFloat32> routing) {
    return ExpertMixer.mix(tf, routing, bias.read());
  }

  public boolean hasBias() {
    return bias != null;
  }

  public VariableRef kernel() {
    return kernel;
  }

  /** The bias variable, or null. */
  public VariableRef bias() {
    return bias;
  }

  public int numExperts() {
    return numExperts;
  }

  public long[] expertShape() {
    return expertShape.clone();
  }

  /** P, the scalars per expert kernel. */
  public long paramsPerExpert() {
    return Shape.of(expertShape).size();
  }

  /** Multiply-adds per example to mix kernels and biases. */
  public long mixingMacs() {
    long macs = numExperts * paramsPerExpert();
    if (bias != null) {
      macs += numExperts * bias.shape().size(1);
    }
    return macs;
  }

  public List<VariableRef> variables() {
    List<VariableRef> vs = new ArrayList<>(List.of(kernel));
    if (bias != null) {
      vs.add(bias);
    }
    return List.copyOf(vs);
  }
}

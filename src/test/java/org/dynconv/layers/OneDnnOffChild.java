package org.dynconv.layers;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.conv.AutoTable;
import org.dynconv.conv.Strategy;
import org.dynconv.graph.Mode;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.testing.TfRun;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Runs in a JVM started with {@code TF_ENABLE_ONEDNN_OPTS=0} by {@link OneDnnOffTest}: checks the
 * probe reports no grouped-conv gradients and AUTO reads the table measured without oneDNN, that
 * AUTO's gradients match finite differences with a
 * static and an unknown batch (CondConv, DynamicConv, DCD and ODConv), that asking for GROUPED
 * in a training graph is refused, and that the strategies mixing one example at a time (FUSED,
 * LOOP), which mix in another layout without oneDNN ({@link
 * org.dynconv.mixing.ExpertMixer#mixOne}), match the float64 reference.
 */
public final class OneDnnOffChild {
  private OneDnnOffChild() {}

  public static void main(String[] args) {
    try {
      if (RuntimeSupport.groupedConvGradients()) {
        throw new AssertionError("probe says grouped gradients work with oneDNN off");
      }
      if (!AutoTable.source().equals(AutoTable.fileName(false))) {
        throw new AssertionError("AUTO reads " + AutoTable.source() + " with oneDNN off; expected "
            + AutoTable.fileName(false));
      }
      ConvGeometry g = ConvGeometry.square(3, 1, 1, Padding.SAME);
      for (String kind : new String[] {"condconv", "depthwise", "dynamic"}) {
        GradientCheck.check(kind, g, Strategy.AUTO, false);
        GradientCheck.check(kind, g, Strategy.AUTO, true);
      }
      ConvGeometry s2 = ConvGeometry.square(3, 2, 1, Padding.SAME);
      for (boolean dynamicBatch : new boolean[] {false, true}) {
        FamilyGradientTest.dcd(s2, 2, dynamicBatch);
        for (boolean dw : new boolean[] {false, true}) {
          for (int n : new int[] {1, 4}) {
            FamilyGradientTest.odconv(dw, s2, n, Strategy.AUTO, dynamicBatch);
          }
        }
      }
      try (TfRun run = new TfRun(1)) {
        Operand<TFloat32> x = run.placeholder("x", Shape.of(-1, 6, 6, 3));
        Operand<TFloat32> r = run.placeholder("r", Shape.of(-1, 2));
        CondConv2d layer = CondConv2d.create(run.root.child("cc"),
            CondConv2dConfig.of(4, g, 2).withStrategy(Strategy.GROUPED), 3);
        if (layer.strategyFor(x, Mode.INFER) != Strategy.GROUPED) {
          throw new AssertionError("GROUPED must stay allowed for inference");
        }
        // AUTO passes over GROUPED for depthwise layers in inference too (slow without oneDNN),
        // and keeps it for regular k x k ones, whose alternatives are slower still.
        Strategy depthwise = CondConv2d.create(run.root.child("dw"),
            CondConv2dConfig.depthwise(g, 2), 3).strategyFor(x, Mode.INFER);
        if (depthwise != Strategy.DEPTHWISE_FOLD) {
          throw new AssertionError("AUTO for a depthwise layer with an unknown batch, oneDNN off:"
              + " " + depthwise + "; expected DEPTHWISE_FOLD");
        }
        Strategy regular = CondConv2d.create(run.root.child("auto"), CondConv2dConfig.of(4, g, 2),
            3).strategyFor(x, Mode.INFER);
        if (regular != Strategy.GROUPED) {
          throw new AssertionError("AUTO for a 3x3 layer with an unknown batch, oneDNN off: "
              + regular + "; expected GROUPED");
        }
        try {
          layer.apply(x, r, Mode.TRAIN);
          throw new AssertionError("GROUPED in a training graph was accepted");
        } catch (IllegalArgumentException expected) {
          System.out.println("refused: " + expected.getMessage());
        }
      }
      // A training step over a graph built in INFER, where AUTO took GROUPED, fails when the step
      // is built, naming the layer, the strategy, the mode and the fix.
      try (TfRun run = new TfRun(1)) {
        BuildContext ctx = BuildContext.inference(run.root.child("net"));
        Operand<TFloat32> y = Layers.condConv2d("cc", CondConv2dConfig.of(4, g, 2))
            .call(ctx, run.placeholder("x", Shape.of(-1, 6, 6, 3)));
        try {
          new org.dynconv.train.optim.Sgd(0, false).minimize(ctx, run.tf.math.mean(y,
              run.tf.constant(new int[] {0, 1, 2, 3})), run.tf.constant(0.1f));
          throw new AssertionError("a training step over GROUPED without oneDNN was built");
        } catch (IllegalStateException expected) {
          String m = expected.getMessage();
          if (!m.startsWith("BuildContext: CondConv2d 'net/cc' uses strategy GROUPED (chosen"
              + " for Mode.INFER), which has no gradient on this runtime") || !m.contains(
              "Build the training graph with Mode.TRAIN (BuildContext.training)")) {
            throw new AssertionError("message: " + m);
          }
        }
      }
      for (boolean depthwise : new boolean[] {false, true}) {
        StrategyGridTest.check(depthwise, 3, 1, Padding.SAME, 1, 4, 1, List.of(Strategy.FUSED));
        StrategyGridTest.check(depthwise, 3, 1, Padding.SAME, 1, 4, 3, List.of(Strategy.LOOP));
      }
      System.out.println("CHILD OK " + RuntimeSupport.describe());
      System.exit(0);
    } catch (Throwable t) {
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }
}

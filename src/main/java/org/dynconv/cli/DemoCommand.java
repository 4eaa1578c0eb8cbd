package org.dynconv.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Tensors;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DynamicConv2d;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Build a CondConv2d and a DynamicConv2d on a random batch and"
    + " print their shapes, strategies and routing weights.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--batch", defaultValue = "4", description = "Batch size (default 4).")
  int batch;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default 1).")
  long seed;

  @Override
  public Integer call() {
    if (batch < 1 || batch > 1024) {
      throw new CliErrors.UsageError("--batch=" + batch + " is invalid; expected 1..1024.");
    }
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, seed);
      Operand<TFloat32> x = root.ops().withName("images")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 16, 16, 8)));
      SigmoidRouting routing = SigmoidRouting.create(root.child("dense"), 4, 8);
      Operand<TFloat32> r = routing.route(x);
      CondConv2d cc = CondConv2d.create(root.child("cond_conv2d"),
          CondConv2dConfig.of(16, ConvGeometry.of(3), 4), 8);
      DynamicConv2d dc = DynamicConv2d.create(root.child("dynamic_conv2d"),
          DynamicConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4), 8);
      Operand<TFloat32> y1 = cc.apply(x, r, Mode.INFER);
      Operand<TFloat32> att = dc.routing().route(x);
      Operand<TFloat32> y2 = dc.apply(x, att, Mode.INFER);
      float[] input = new float[batch * 16 * 16 * 8];
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
      for (int i = 0; i < input.length; i++) {
        input[i] = (float) (rnd.nextDouble() * 2 - 1);
      }
      try (Session s = new Session(g); TFloat32 in = Tensors.of(Shape.of(batch, 16, 16, 8), input);
          Result res = s.runner().feed(x, in).fetch(y1).fetch(y2).fetch(r).fetch(att).run()) {
        System.out.printf("CondConv2d   %s -> %s  strategy %s  E=4%n", x.shape(), res.get(0).shape(),
            cc.strategyFor(x, Mode.INFER));
        System.out.printf("DynamicConv2d %s -> %s  strategy %s  K=4%n", x.shape(), res.get(1).shape(),
            dc.strategyFor(x, Mode.INFER));
        float[] rv = Tensors.toArray((TFloat32) res.get(2));
        float[] av = Tensors.toArray((TFloat32) res.get(3));
        System.out.println("sigmoid routing, example 0: " + row(rv, 0, 4));
        System.out.println("softmax attention, example 0: " + row(av, 0, 4));
      }
      List.of(cc.variables(), dc.variables()).forEach(vs -> vs.forEach(v ->
          System.out.printf("  %-45s %s%n", v.name(), v.shape())));
    }
    return 0;
  }

  private static String row(float[] a, int r, int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format("%.4f", a[r * n + i]));
    }
    return sb.append("]").toString();
  }
}

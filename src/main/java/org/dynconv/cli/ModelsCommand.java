package org.dynconv.cli;

import java.util.concurrent.Callable;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.dynconv.models.ModelZoo;
import org.tensorflow.Graph;
import picocli.CommandLine.Command;

@Command(name = "models", description = "List every model with its trainable parameters and"
    + " multiply-adds per image (convolutions, dense layers, routing and kernel mixing).")
final class ModelsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.printf("%-36s %14s %16s  %s%n", "model", "parameters", "MACs/image", "input");
    for (String name : ModelZoo.names()) {
      row(name, ModelZoo.get(name));
      if (name.endsWith("-odconv")) {
        // ODConv's "4x" variant, the same model with four kernels per layer.
        row(name + " --experts 4", ModelZoo.get(name, 4));
      }
    }
    return 0;
  }

  private static void row(String label, ModelSpec spec) {
    try (Graph g = new Graph()) {
      Model m = spec.build(LayerScope.root(g, 0), Mode.INFER);
      System.out.printf("%-36s %,14d %,16d  %dx%dx%d%n", label, m.parameterCount(),
          m.macsPerImage(), spec.height(), spec.width(), spec.channels());
    }
  }
}

// A CondConv layer with its own routing, built and run with dynconv's layer API.
//
// Run after `mvn -q package -DskipTests`:
//   java -cp "target/dynconv.jar:target/lib/*" examples/CondConvExample.java

import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Tensors;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.Layers;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

public class CondConvExample {
  public static void main(String[] args) {
    int batch = 2, height = 8, width = 8, inChannels = 3;
    try (Graph graph = new Graph()) {
      LayerScope root = LayerScope.root(graph, 42L);
      // Images with an unknown batch dimension.
      Operand<TFloat32> images = root.ops().withName("images")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, height, width, inChannels)));
      // 16 filters, 3x3, stride 2, SAME padding, 4 experts, no bias; the layer routes with
      // sigmoid(dense(global average pool(x))) and takes its input channels from the images.
      BuildContext ctx = BuildContext.inference(root);
      Operand<TFloat32> features = Layers.condConv2d("cond",
          CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4).withBias(false))
          .call(ctx, images);
      Operand<TFloat32> weights = ctx.routingOutputs().routing().get("cond");

      float[] pixels = new float[batch * height * width * inChannels];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (i % 7) / 7f;
      }
      try (Session session = new Session(graph);
          TFloat32 input = Tensors.of(Shape.of(batch, height, width, inChannels), pixels);
          Result result = session.runner().feed(images, input).fetch(features).fetch(weights).run()) {
        System.out.println("features " + result.get(0).shape() + ", " + ctx.macs()
            + " multiply-adds per image, variables " + ctx.variables().stream()
            .map(v -> v.name() + " " + v.shape()).toList());
        float[] r = Tensors.toArray((TFloat32) result.get(1));
        System.out.printf("routing of example 0: %.3f %.3f %.3f %.3f%n", r[0], r[1], r[2], r[3]);
      }
    }
  }
}

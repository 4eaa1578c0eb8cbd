// A CondConv2d layer with its routing, built and run with dynconv's public API.
//
// Run after `mvn -q package -DskipTests`:
//   java -cp "target/dynconv.jar:target/lib/*" examples/CondConvExample.java

import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Tensors;
import org.dynconv.layers.CondConv2d;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.routing.SigmoidRouting;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

public class CondConvExample {
  public static void main(String[] args) {
    int batch = 2, height = 8, width = 8, inChannels = 3, experts = 4;
    try (Graph graph = new Graph()) {
      LayerScope root = LayerScope.root(graph, 42L);
      // Images with an unknown batch dimension.
      Operand<TFloat32> images = root.ops().withName("images")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, height, width, inChannels)));
      // CondConv routing: sigmoid(dense(global average pool(x))), one weight per expert.
      SigmoidRouting routing = SigmoidRouting.create(root.child("dense"), experts, inChannels);
      Operand<TFloat32> weights = routing.route(images);
      // 16 filters, 3x3, stride 2, SAME padding, 4 experts, no bias.
      CondConv2d conv = CondConv2d.create(root.child("cond_conv2d"),
          CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), experts).withBias(false),
          inChannels);
      Operand<TFloat32> features = conv.apply(images, weights, Mode.INFER);

      float[] pixels = new float[batch * height * width * inChannels];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (i % 7) / 7f;
      }
      try (Session session = new Session(graph);
          TFloat32 input = Tensors.of(Shape.of(batch, height, width, inChannels), pixels);
          Result result = session.runner().feed(images, input).fetch(features).fetch(weights).run()) {
        System.out.println("features " + result.get(0).shape() + " via " + conv.strategyFor(images, Mode.INFER));
        float[] r = Tensors.toArray((TFloat32) result.get(1));
        System.out.printf("routing of example 0: %.3f %.3f %.3f %.3f%n", r[0], r[1], r[2], r[3]);
      }
    }
  }
}

package org.example.ownloop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.graph.LayerScope;
import org.dynconv.layers.BuildContext;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;
import org.dynconv.train.Losses;
import org.dynconv.train.optim.Optimizer;
import org.dynconv.train.optim.Sgd;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * dynconv's layers in a plain TF Java program with its own training loop: the graph is built with
 * {@code Ops}, a CondConv and a DynamicConv layer sit in it beside static layers, dynconv's SGD
 * with momentum trains them in a loop written here, TF Java's {@code Session.save}/{@code restore}
 * carry the weights into an inference graph, and TF Java's {@code SavedModelBundle} exporter
 * writes a SavedModel that Python TensorFlow loads ({@code load_in_python.py} beside this file).
 *
 * <p>The task: 12x12 grey images of horizontal (class 0) or vertical (class 1) stripes with random
 * period, phase and contrast. Usage: {@code OwnLoopExample [WORK_DIR]}; writes {@code
 * WORK_DIR/savedmodel} and {@code WORK_DIR/outputs.json} (inputs and the export's logits). Exits 1
 * when the trained network classifies fewer than 90% of 200 held-out images.
 */
public final class OwnLoopExample {
  static final int SIZE = 12, CLASSES = 2, BATCH = 16, STEPS = 150;

  public static void main(String[] args) throws IOException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("own-loop-");
    double accuracy = run(work);
    System.out.printf(Locale.ROOT, "held-out accuracy %.3f; export in %s%n", accuracy,
        work.resolve("savedmodel"));
    if (accuracy < 0.9) {
      System.err.println("OwnLoopExample: accuracy " + accuracy + " is below 0.9.");
      System.exit(1);
    }
  }

  /** The network. Every layer reports its variables, updates and routing to its BuildContext. */
  static Layer network() {
    return Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3)).withActivation(Activation.RELU)),
        Layers.condConv2d("cond", CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU)),
        Layers.dynamicConv2d("dyn", DynamicConv2dConfig.of(16, ConvGeometry.of(3), 4)
            .withActivation(Activation.RELU)),
        Layers.globalAvgPool(),
        Layers.dense("head", DenseConfig.of(CLASSES)));
  }

  /** Trains, exports and returns the accuracy on held-out images. */
  public static double run(Path work) throws IOException {
    Files.createDirectories(work);
    Path checkpoint = work.resolve("checkpoint").resolve("ckpt");
    Random data = new Random(3);

    // 1. Training graph and loop.
    try (Graph g = new Graph(); Session s = new Session(g)) {
      LayerScope root = LayerScope.root(g, 42);
      Ops tf = root.ops();
      Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, SIZE, SIZE, 1)));
      Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class,
          Placeholder.shape(Shape.of(-1)));
      BuildContext ctx = BuildContext.training(root.child("net"));
      Operand<TFloat32> logits = network().call(ctx, images);
      Operand<TFloat32> loss = Losses.softmaxCrossEntropy(tf, logits, labels, CLASSES, 0);
      Optimizer.Update step = new Sgd(0.9, false).minimize(ctx, loss, tf.constant(0.02f));
      s.initialize();
      for (int i = 0; i < STEPS; i++) {
        int[] y = new int[BATCH];
        float[] x = batch(data, y);
        try (TFloat32 xt = TFloat32.tensorOf(Shape.of(BATCH, SIZE, SIZE, 1), DataBuffers.of(x));
            TInt32 yt = TInt32.vectorOf(y);
            Result r = s.runner().feed(images, xt).feed(labels, yt).addTarget(step.step())
                .fetch(loss).run()) {
          if (i % 50 == 0 || i == STEPS - 1) {
            System.out.printf(Locale.ROOT, "step %d: loss %.4f%n", i,
                ((TFloat32) r.get(0)).getFloat());
          }
        }
      }
      s.save(checkpoint.toString());
    }

    // 2. Inference graph: the same layers in Mode.INFER, the trained weights restored by name.
    int n = 200;
    int[] y = new int[n];
    float[] x = batch(new Random(99), y);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      LayerScope root = LayerScope.root(g, 42);
      Ops tf = root.ops();
      Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, SIZE, SIZE, 1)));
      BuildContext ctx = BuildContext.inference(root.child("net"));
      Operand<TFloat32> logits = tf.withName("logits").identity(network().call(ctx, images));
      Operand<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(logits);
      s.restore(checkpoint.toString());

      Signature.Builder routing = Signature.builder().key("routing").input("images", images);
      ctx.routingOutputs().routing().forEach(routing::output);
      SavedModelBundle.exporter(work.resolve("savedmodel").toString()).withSession(s)
          .withFunction(SessionFunction.create(Signature.builder().key("serving_default")
              .input("images", images).output("logits", logits)
              .output("probabilities", probabilities).build(), s))
          .withFunction(SessionFunction.create(routing.build(), s))
          .export();

      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(n, SIZE, SIZE, 1), DataBuffers.of(x));
          Result r = s.runner().feed(images, xt).fetch(logits).run()) {
        TFloat32 out = (TFloat32) r.get(0);
        int correct = 0;
        for (int i = 0; i < n; i++) {
          correct += (out.getFloat(i, 1) > out.getFloat(i, 0) ? 1 : 0) == y[i] ? 1 : 0;
        }
        writeOutputs(work.resolve("outputs.json"), x, out, 4);
        return correct / (double) n;
      }
    }
  }

  /** {@code labels.length} images of stripes; labels[i] = 0 for horizontal, 1 for vertical. */
  static float[] batch(Random rnd, int[] labels) {
    float[] x = new float[labels.length * SIZE * SIZE];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = rnd.nextInt(CLASSES);
      int period = 2 + rnd.nextInt(3), phase = rnd.nextInt(period);
      float lo = rnd.nextFloat() * 0.4f, hi = 0.6f + rnd.nextFloat() * 0.4f;
      for (int r = 0; r < SIZE; r++) {
        for (int c = 0; c < SIZE; c++) {
          int t = labels[i] == 0 ? r : c;
          x[(i * SIZE + r) * SIZE + c] = ((t + phase) / period) % 2 == 0 ? hi : lo;
        }
      }
    }
    return x;
  }

  /** The first {@code k} inputs and their logits, for the Python check. */
  static void writeOutputs(Path file, float[] x, TFloat32 logits, int k) throws IOException {
    StringBuilder sb = new StringBuilder("{\"shape\": [").append(k).append(", ").append(SIZE)
        .append(", ").append(SIZE).append(", 1],\n \"images\": [");
    for (int i = 0; i < k * SIZE * SIZE; i++) {
      sb.append(i > 0 ? ", " : "").append(x[i]);
    }
    sb.append("],\n \"logits\": [");
    for (int i = 0; i < k; i++) {
      sb.append(i > 0 ? ", " : "").append('[').append(logits.getFloat(i, 0)).append(", ")
          .append(logits.getFloat(i, 1)).append(']');
    }
    Files.writeString(file, sb.append("]}\n").toString());
  }
}

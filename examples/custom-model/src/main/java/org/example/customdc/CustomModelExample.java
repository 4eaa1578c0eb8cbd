package org.example.customdc;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.data.ImageFolder;
import org.dynconv.data.ImageSource;
import org.dynconv.export.RunExporter;
import org.dynconv.export.SavedModelExporter;
import org.dynconv.graph.Threads;
import org.dynconv.infer.Predictor;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.Sequential;
import org.dynconv.models.CustomModel;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;
import org.dynconv.train.RunDirectory;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.dynconv.train.TrainingCallback;

/**
 * dynconv used as a library by a program of its own: it writes a small image folder (three
 * classes of 16x16 RGB patterns), defines a model that is not in dynconv's zoo (a static stem, a
 * CondConv block, a DynamicConv block, a dense head), trains it with dynconv's trainer, exports a
 * SavedModel with the folder's class names and classifies the test images with the export.
 *
 * <p>Usage: {@code CustomModelExample [WORK_DIR]}. Exits 1 when the export classifies no better
 * than 80%, a level this easy task reaches in a few epochs.
 */
public final class CustomModelExample {
  static final List<String> CLASSES = List.of("checker", "horizontal", "vertical");
  static final int SIZE = 16;

  public static void main(String[] args) throws IOException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("custom-model-");
    Path data = work.resolve("patterns");
    writeFolder(data, 7);

    ImageFolder.Split split = ImageFolder.open(data, ImageFolder.Options.defaults());
    CustomModel model = CustomModel.builder("patterns-net").input(SIZE, SIZE, 3)
        .classes(split.train().numClasses()).annealsTemperature(true)
        .body(body(CLASSES.size())).build();
    TrainConfig config = TrainConfig.builder().epochs(8).batchSize(16).learningRate(0.05)
        .weightDecay(1e-4).temperature(30, 1, 2).seed(11).build();

    Path runDir = work.resolve("run");
    TrainingCallback report = new TrainingCallback() {
      @Override
      public void onEpochEnd(EpochSummary e) {
        System.out.printf("epoch %d: train loss %.4f, validation accuracy %.4f%n", e.epoch(),
            e.trainLoss(), e.validationAccuracy());
      }
    };
    // The trainer's own progress lines are silenced; the callback reports instead.
    Trainer.Options options = Trainer.Options.builder(runDir)
        .out(new PrintStream(OutputStream.nullOutputStream())).callbacks(report).build();
    Trainer.Result result = new Trainer(model, config, split.train(), split.test(), options).run();

    // The run directory holds the checkpoint; the export is a SavedModel for Python or TF-Serving.
    Path export = RunExporter.export(RunDirectory.open(runDir), model,
        new SavedModelExporter.Target(work.resolve("export"), true, 0), Threads.defaults());
    double accuracy;
    try (Predictor p = Predictor.load(export)) {
      ImageSource test = split.test();
      float[] probs = p.predict(test.floatPixels(0, test.size()), test.size());
      int correct = 0;
      for (int i = 0; i < test.size(); i++) {
        correct += Predictor.argMax(probs, i, p.labels().size()) == test.label(i) ? 1 : 0;
      }
      accuracy = correct / (double) test.size();
      System.out.println("labels " + p.labels());
      System.out.printf("first test image: %s, predicted %s%n",
          CLASSES.get(test.label(0)), p.label(Predictor.argMax(probs, 0, p.labels().size())));
    }
    System.out.printf("trainer accuracy %.4f, export accuracy %.4f on %d test images%n",
        result.testAccuracy(), accuracy, split.test().size());
    if (accuracy < 0.8) {
      System.err.println("CustomModelExample: the export classifies " + accuracy
          + " of the test images; expected at least 0.8.");
      System.exit(1);
    }
  }

  /**
   * Normalised images [B,16,16,3] to logits [B,3]: a static stem, a CondConv layer (sigmoid
   * routing over 4 experts, one mixed kernel per image), a DynamicConv layer (softmax(z / T) over 4
   * kernels, T annealed by the trainer) and a dense head. Each layer reports its own variables,
   * BatchNorm updates, routing and multiply-adds.
   */
  static Layer body(int classes) {
    return Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3)).withBias(false)),
        Layers.batchNorm("stem_bn", new BatchNormConfig(0.9, 1e-3)),
        Layers.activation(Activation.RELU),
        Layers.condConv2d("cond", CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU)),
        Layers.dynamicConv2d("dyn", DynamicConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU)),
        Layers.globalAvgPool(),
        Layers.dense("head", DenseConfig.of(classes)));
  }

  /** DIR/{train,test}/<class>/*.png: stripes and checkerboards with random phase and colours. */
  static void writeFolder(Path dir, long seed) throws IOException {
    Random rnd = new Random(seed);
    for (String split : List.of("train", "test")) {
      int perClass = split.equals("train") ? 48 : 16;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path folder = Files.createDirectories(dir.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < perClass; i++) {
          ImageIO.write(pattern(c, rnd), "png", folder.resolve(i + ".png").toFile());
        }
      }
    }
  }

  private static BufferedImage pattern(int kind, Random rnd) {
    BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    int period = 2 + rnd.nextInt(3);
    int phase = rnd.nextInt(period);
    int fg = rnd.nextInt(0x1000000) | 0x808080;
    int bg = rnd.nextInt(0x1000000) & 0x7f7f7f;
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        boolean on = switch (kind) {
          case 0 -> ((x + phase) / period + (y + phase) / period) % 2 == 0;
          case 1 -> ((y + phase) / period) % 2 == 0;
          default -> ((x + phase) / period) % 2 == 0;
        };
        img.setRGB(x, y, on ? fg : bg);
      }
    }
    return img;
  }
}

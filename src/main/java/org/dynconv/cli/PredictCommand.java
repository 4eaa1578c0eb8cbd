package org.dynconv.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dynconv.data.Dataset;
import org.dynconv.data.FashionMnist;
import org.dynconv.data.ImageFiles;
import org.dynconv.data.Preprocess;
import org.dynconv.infer.LogitComparison;
import org.dynconv.infer.Predictor;
import org.tensorflow.Signature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", description = "Classify image files (PNG, JPEG, BMP, GIF of the model's"
    + " input size) or a Fashion-MNIST test set with an exported SavedModel; prints the top classes.")
final class PredictCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  ThreadOptions threadOptions = new ThreadOptions();

  @Option(names = "--model", required = true, description = "SavedModel directory.")
  Path model;

  @Parameters(arity = "0..*", paramLabel = "IMAGE_FILES", description = "Images to classify.")
  List<Path> images = new ArrayList<>();

  @Option(names = "--data", description = "Classify the test set in this Fashion-MNIST directory"
      + " (use 'embedded' for the subset inside the jar) and report the accuracy.")
  String data;

  @Option(names = "--max-pixels", description = "Images with more pixels are refused from their"
      + " header, before they are decoded (default 16777216, 4096 x 4096).")
  long maxPixels = org.dynconv.data.ImageFiles.DEFAULT_MAX_PIXELS;

  @Option(names = "--preprocess", defaultValue = "exact", description = "exact (images must have"
      + " the model's size; the default), resize (bicubic to the model's size) or google (Google's"
      + " EfficientNet evaluation: centre crop with 32 pixels of padding, then bicubic resize).")
  String preprocess;

  @Option(names = "--top", defaultValue = "3", description = "Classes to print per image (default 3).")
  int top;

  @Option(names = "--compare-to", description = "With --data, also run this SavedModel on every"
      + " image and report top-1 agreement and the largest logit difference against it (e.g. a"
      + " half-width-bank export against the float32 export of the same run).")
  Path compareTo;

  @Option(names = "--limit", defaultValue = "10",
      description = "With --data, images to print (default 10); all are scored.")
  int limit;

  @Override
  public Integer call() throws Exception {
    if (images.isEmpty() == (data == null)) {
      throw new CliErrors.UsageError("give IMAGE_FILES or --data DIR (one of the two); expected e.g."
          + " 'predict --model DIR shirt.png'.");
    }
    Preprocess prep;
    try {
      prep = Preprocess.parse(preprocess);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError("--preprocess=" + preprocess + " is invalid; expected exact,"
          + " resize or google.");
    }
    if (top < 1) {
      throw new CliErrors.UsageError("--top=" + top + " is invalid; expected an integer >= 1.");
    }
    if (compareTo != null && data == null) {
      throw new CliErrors.UsageError("--compare-to=" + compareTo + " needs --data; expected e.g."
          + " 'predict --model HALF --data DIR --compare-to FLOAT32'.");
    }
    if (limit < 0) {
      throw new CliErrors.UsageError("--limit=" + limit + " is invalid; expected an integer >= 0.");
    }
    if (maxPixels < 1) {
      throw new CliErrors.UsageError("--max-pixels=" + maxPixels + " is invalid; expected an"
          + " integer >= 1.");
    }
    Predictor p;
    try {
      p = Predictor.load(model, threadOptions.value());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage().replaceFirst("^Predictor: ", "--model: "), e);
    }
    try (p) {
      if (data == null) {
        // Read every file first, so a bad one fails before anything is printed.
        List<float[]> pixels = new ArrayList<>();
        for (Path f : images) {
          pixels.add(ImageFiles.read(f, p.height(), p.width(), p.channels(), prep, maxPixels));
        }
        for (int i = 0; i < images.size(); i++) {
          float[] prob = p.predict(pixels.get(i), 1);
          System.out.println(images.get(i) + ": " + topK(p, prob, 0, prob.length));
        }
      } else if (compareTo == null) {
        predictDataset(p, null);
      } else {
        Predictor ref;
        try {
          ref = Predictor.load(compareTo, threadOptions.value());
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(
              e.getMessage().replaceFirst("^Predictor: ", "--compare-to: "), e);
        }
        try (ref) {
          predictDataset(p, ref);
        }
      }
    }
    return 0;
  }

  /** Scores the test set; with {@code ref}, also compares every image's logits with ref's. */
  private void predictDataset(Predictor p, Predictor ref) throws Exception {
    Dataset test = data.equals("embedded") ? FashionMnist.embedded().test()
        : FashionMnist.fromDirectory(Path.of(data)).test();
    if (test.height() != p.height() || test.width() != p.width() || test.channels() != p.channels()) {
      throw new IllegalStateException("--data images are " + test.height() + "x" + test.width() + "x"
          + test.channels() + " but the model takes " + p.height() + "x" + p.width() + "x"
          + p.channels() + ".");
    }
    if (ref != null && (ref.height() != p.height() || ref.width() != p.width()
        || ref.channels() != p.channels() || ref.labels().size() != p.labels().size())) {
      throw new IllegalStateException("--compare-to model takes " + ref.height() + "x" + ref.width()
          + "x" + ref.channels() + " images into " + ref.labels().size() + " classes; --model "
          + p.height() + "x" + p.width() + "x" + p.channels() + " into " + p.labels().size()
          + ". Expected the same.");
    }
    LogitComparison comparison = new LogitComparison();
    int correct = 0, batch = 256;
    for (int from = 0; from < test.size(); from += batch) {
      int n = Math.min(batch, test.size() - from);
      float[] pixels = test.floatPixels(from, n);
      float[] prob;
      if (ref == null) {
        prob = p.predict(pixels, n);
      } else {
        // One run gives both outputs: the model is not run a second time for its logits.
        Map<String, Predictor.FloatTensor> out = p.run(p.signatureFor(Signature.DEFAULT_KEY, n),
            Map.of("images", new Predictor.FloatTensor(
                new long[] {n, p.height(), p.width(), p.channels()}, pixels)));
        prob = out.get("probabilities").values();
        comparison.add(ref.logits(pixels, n), out.get("logits").values(), n, prob.length / n);
      }
      int classes = prob.length / n;
      for (int i = 0; i < n; i++) {
        int best = Predictor.argMax(prob, i, classes);
        if (best == test.labels()[from + i]) {
          correct++;
        }
        if (from + i < limit) {
          System.out.println("#" + (from + i) + " (" + p.label(test.labels()[from + i]) + "): "
              + topK(p, prob, i, classes));
        }
      }
    }
    System.out.printf("accuracy %.4f on %d images of %s%n", (double) correct / test.size(),
        test.size(), test.name());
    if (ref != null) {
      System.out.println("against " + compareTo + ": " + comparison.summary());
    }
  }

  /** "Shirt 0.812 | T-shirt/top 0.120 | ..." for row {@code row} of {@code [rows, classes]}. */
  private String topK(Predictor p, float[] prob, int row, int classes) {
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      order.add(c);
    }
    order.sort((a, b) -> Float.compare(prob[row * classes + b], prob[row * classes + a]));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(top, classes); i++) {
      int c = order.get(i);
      sb.append(i == 0 ? "" : " | ").append(p.label(c))
          .append(String.format(" %.3f", prob[row * classes + c]));
    }
    return sb.toString();
  }
}

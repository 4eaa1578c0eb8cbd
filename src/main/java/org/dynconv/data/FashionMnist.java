package org.dynconv.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Zalando, MIT licence): 28x28 grey images of 10 clothing classes. The jar embeds
 * a class-balanced subset (10,000 training, 2,000 test images); {@link #fromDirectory} reads the
 * full dataset from the four IDX files, raw or .gz (Debian's dataset-fashion-mnist installs them
 * under /usr/share/datasets/fashion-mnist).
 */
public final class FashionMnist {
  /** The ten classes in label order. */
  public static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

  private static final String RESOURCE_DIR = "/org/dynconv/data/fashion-mnist/";

  private FashionMnist() {}

  /** A training and a test set. */
  public record Split(Dataset train, Dataset test) {}

  /** The embedded subset. */
  public static Split embedded() {
    try {
      return new Split(
          load(resource("train-images-idx3-ubyte.gz"), resource("train-labels-idx1-ubyte.gz"),
              "fashion-mnist train (embedded subset)", "train-images-idx3-ubyte.gz"),
          load(resource("t10k-images-idx3-ubyte.gz"), resource("t10k-labels-idx1-ubyte.gz"),
              "fashion-mnist test (embedded subset)", "t10k-images-idx3-ubyte.gz"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code
   * t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} (each optionally {@code .gz}).
   */
  public static Split fromDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new DataFormatError("FashionMnist: data directory '" + dir + "' does not exist.");
    }
    return new Split(
        loadFiles(find(dir, "train-images-idx3-ubyte"), find(dir, "train-labels-idx1-ubyte"),
            "fashion-mnist train (" + dir + ")"),
        loadFiles(find(dir, "t10k-images-idx3-ubyte"), find(dir, "t10k-labels-idx1-ubyte"),
            "fashion-mnist test (" + dir + ")"));
  }

  private static Path find(Path dir, String base) {
    for (String name : new String[] {base + ".gz", base}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new DataFormatError("FashionMnist: data directory '" + dir + "' has no " + base
        + " or " + base + ".gz; expected the four Fashion-MNIST IDX files.");
  }

  private static Dataset loadFiles(Path images, Path labels, String name) throws IOException {
    return build(IdxReader.read(images), IdxReader.read(labels), name, images.toString(),
        labels.toString());
  }

  private static Dataset load(InputStream images, InputStream labels, String name, String source)
      throws IOException {
    try (images; labels) {
      return build(IdxReader.read(images, source), IdxReader.read(labels, source), name, source,
          source);
    }
  }

  private static Dataset build(IdxReader.IdxArray im, IdxReader.IdxArray lb, String name,
      String imageFile, String labelFile) {
    if (im.dims().length != 3) {
      throw new DataFormatError("FashionMnist: '" + imageFile + "' has " + im.dims().length
          + " dimensions; expected 3 (count, height, width).");
    }
    if (lb.dims().length != 1) {
      throw new DataFormatError("FashionMnist: '" + labelFile + "' has " + lb.dims().length
          + " dimensions; expected 1 (count).");
    }
    if (im.count() != lb.count()) {
      throw new DataFormatError("FashionMnist: '" + imageFile + "' holds " + im.count()
          + " images but '" + labelFile + "' holds " + lb.count() + " labels.");
    }
    int[] labels = new int[lb.count()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = lb.data()[i] & 0xff;
    }
    return new Dataset(name, im.data(), labels, im.dims()[1], im.dims()[2], 1, 10);
  }

  private static InputStream resource(String name) {
    InputStream in = FashionMnist.class.getResourceAsStream(RESOURCE_DIR + name);
    if (in == null) {
      throw new IllegalStateException("FashionMnist: resource " + RESOURCE_DIR + name
          + " is missing from the jar.");
    }
    return in;
  }
}

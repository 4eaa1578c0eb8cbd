package org.dynconv.data;

/**
 * Labelled images held as unsigned bytes, row-major {@code [count, height, width, channels]}.
 * Pixels are handed to models as floats in 0..255; models normalise inside their graph.
 *
 * @param name for messages, e.g. "fashion-mnist train (embedded subset)"
 */
public record Dataset(String name, byte[] pixels, int[] labels, int height, int width,
    int channels, int numClasses) implements ImageSource {
  public Dataset {
    long expected = (long) labels.length * height * width * channels;
    if (pixels.length != expected) {
      throw new DataFormatError("Dataset '" + name + "': " + pixels.length + " pixel bytes for "
          + labels.length + " images of " + height + "x" + width + "x" + channels + "; expected "
          + expected + ".");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new DataFormatError("Dataset '" + name + "': label " + i + " is " + labels[i]
            + "; expected 0.." + (numClasses - 1) + ".");
      }
    }
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int imageSize() {
    return height * width * channels;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void read(int index, float[] dst, int offset) {
    int size = imageSize();
    for (int k = 0, base = index * size; k < size; k++) {
      dst[offset + k] = pixels[base + k] & 0xff;
    }
  }

  /** The same images with the grey value repeated in three channels (grey data, RGB model). */
  @Override
  public Dataset toRgb() {
    if (channels != 1) {
      return this;
    }
    byte[] rgb = new byte[pixels.length * 3];
    for (int i = 0; i < pixels.length; i++) {
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = pixels[i];
    }
    return new Dataset(name + " (as RGB)", rgb, labels, height, width, 3, numClasses);
  }

  /** Images {@code from .. from+n-1} as floats 0..255, [n,H,W,C] flattened (a model's input). */
  @Override
  public float[] floatPixels(int from, int n) {
    int size = imageSize();
    float[] out = new float[n * size];
    for (int i = 0; i < out.length; i++) {
      out[i] = pixels[from * size + i] & 0xff;
    }
    return out;
  }

  /** The first {@code n} images (for quick runs and tests). */
  @Override
  public Dataset head(int n) {
    int m = Math.min(n, size());
    byte[] p = java.util.Arrays.copyOf(pixels, m * imageSize());
    int[] l = java.util.Arrays.copyOf(labels, m);
    return new Dataset(name + " (first " + m + ")", p, l, height, width, channels, numClasses);
  }

  /** A training set and the validation set held out of it. */
  public record Holdout(Dataset train, Dataset validation) {}

  /**
   * Holds out {@code count} images for validation, the same number from every class (the remainder
   * from the first classes), chosen by a seeded shuffle; the rest, in their original order, is
   * the training set. The same seed always holds out the same images.
   */
  public Holdout holdOut(int count, long seed) {
    if (count < numClasses || count >= size()) {
      throw new IllegalArgumentException("Dataset '" + name + "': cannot hold out " + count
          + " of " + size() + " images; expected " + numClasses + " <= count < " + size() + ".");
    }
    java.util.List<java.util.List<Integer>> byClass = new java.util.ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new java.util.ArrayList<>());
    }
    for (int i = 0; i < size(); i++) {
      byClass.get(labels[i]).add(i);
    }
    java.util.Random r = new java.util.Random(seed);
    boolean[] held = new boolean[size()];
    for (int c = 0; c < numClasses; c++) {
      java.util.List<Integer> idx = byClass.get(c);
      java.util.Collections.shuffle(idx, r);
      int take = Math.min(idx.size(), count / numClasses + (c < count % numClasses ? 1 : 0));
      for (int k = 0; k < take; k++) {
        held[idx.get(k)] = true;
      }
    }
    return new Holdout(select(held, false, name + " (training part)"),
        select(held, true, name + " (validation part)"));
  }

  private Dataset select(boolean[] held, boolean want, String newName) {
    int n = 0;
    for (boolean h : held) {
      n += h == want ? 1 : 0;
    }
    int size = imageSize();
    byte[] p = new byte[n * size];
    int[] l = new int[n];
    for (int i = 0, j = 0; i < size(); i++) {
      if (held[i] == want) {
        System.arraycopy(pixels, i * size, p, j * size, size);
        l[j++] = labels[i];
      }
    }
    return new Dataset(newName, p, l, height, width, channels, numClasses);
  }
}

package org.dynconv.data;

import java.util.List;

/**
 * Labelled images a program already holds as floats (0..255, {@code [count, H, W, C]} row-major),
 * for training on data that does not come from files. The arrays are used as given, not copied.
 */
public final class ArraySource implements ImageSource {
  private final String name;
  private final float[] pixels;
  private final int[] labels;
  private final int height;
  private final int width;
  private final int channels;
  private final int numClasses;
  private final List<String> classNames;

  private ArraySource(String name, float[] pixels, int[] labels, int height, int width,
      int channels, int numClasses, List<String> classNames) {
    this.name = name;
    this.pixels = pixels;
    this.labels = labels;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.numClasses = numClasses;
    this.classNames = List.copyOf(classNames);
  }

  /**
   * Float pixels in 0..255 and labels in {@code 0..numClasses-1}; checked here, so a bad value
   * fails before training starts.
   *
   * @param classNames empty, or one name per class
   */
  public static ArraySource ofFloats(String name, float[] pixels, int[] labels, int height,
      int width, int channels, int numClasses, List<String> classNames) {
    String c = "ArraySource '" + name + "'";
    if (height < 1 || width < 1 || channels < 1 || numClasses < 1) {
      throw new DataFormatError(c + ": shape " + height + "x" + width + "x" + channels + " with "
          + numClasses + " classes; expected positive sizes and at least one class.");
    }
    long expected = (long) labels.length * height * width * channels;
    if (pixels.length != expected) {
      throw new DataFormatError(c + ": " + pixels.length + " pixel values for " + labels.length
          + " images of " + height + "x" + width + "x" + channels + "; expected " + expected + ".");
    }
    if (!classNames.isEmpty() && classNames.size() != numClasses) {
      throw new DataFormatError(c + ": " + classNames.size() + " class names for " + numClasses
          + " classes; expected one name per class or none.");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new DataFormatError(c + ": label " + i + " is " + labels[i] + "; expected 0.."
            + (numClasses - 1) + ".");
      }
    }
    for (int i = 0; i < pixels.length; i++) {
      if (!(pixels[i] >= 0 && pixels[i] <= 255)) {
        throw new DataFormatError(c + ": pixel value " + i + " (image " + i / (height * width
            * channels) + ") is " + pixels[i] + "; expected 0..255.");
      }
    }
    return new ArraySource(name, pixels, labels, height, width, channels, numClasses, classNames);
  }

  /** Unsigned byte pixels (0..255), converted to floats once. */
  public static ArraySource ofBytes(String name, byte[] pixels, int[] labels, int height,
      int width, int channels, int numClasses, List<String> classNames) {
    float[] f = new float[pixels.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = pixels[i] & 0xff;
    }
    return ofFloats(name, f, labels, height, width, channels, numClasses, classNames);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void read(int index, float[] dst, int offset) {
    int size = imageSize();
    System.arraycopy(pixels, index * size, dst, offset, size);
  }
}

package org.dynconv.data;

import java.util.List;

/** Views of an {@link ImageSource}: its first images, RGB from grey, all of it in memory. */
public final class ImageSources {
  private ImageSources() {}

  /** The first {@code n} images of {@code s} (all of them when it has fewer). */
  public static ImageSource head(ImageSource s, int n) {
    int m = Math.min(n, s.size());
    if (m == s.size()) {
      return s;
    }
    return new View(s, s.name() + " (first " + m + ")", m, s.channels()) {
      @Override
      public void read(int index, float[] dst, int offset) {
        check(index);
        s.read(index, dst, offset);
      }
    };
  }

  /** {@code s} with the grey value in three channels; an RGB source itself. */
  public static ImageSource toRgb(ImageSource s) {
    if (s.channels() != 1) {
      return s;
    }
    int pixels = s.height() * s.width();
    return new View(s, s.name() + " (as RGB)", s.size(), 3) {
      private final float[] grey = new float[pixels];

      @Override
      public void read(int index, float[] dst, int offset) {
        check(index);
        s.read(index, grey, 0);
        for (int p = 0; p < pixels; p++) {
          dst[offset + 3 * p] = dst[offset + 3 * p + 1] = dst[offset + 3 * p + 2] = grey[p];
        }
      }
    };
  }

  /**
   * Every image of {@code s} read once and kept as floats: a streamed source (an {@link
   * ImageFolder}) that fits in memory, decoded once instead of every epoch. Gives exactly the
   * pixels {@code s} gives.
   */
  public static ArraySource inMemory(ImageSource s) {
    int size = s.imageSize();
    float[] pixels = new float[Math.multiplyExact(s.size(), size)];
    int[] labels = new int[s.size()];
    for (int i = 0; i < s.size(); i++) {
      s.read(i, pixels, i * size);
      labels[i] = s.label(i);
    }
    return ArraySource.ofFloats(s.name() + " (in memory)", pixels, labels, s.height(), s.width(),
        s.channels(), s.numClasses(), s.classNames());
  }

  /** A view with the same labels and classes as its source. */
  private abstract static class View implements ImageSource {
    private final ImageSource s;
    private final String name;
    private final int size;
    private final int channels;

    View(ImageSource s, String name, int size, int channels) {
      this.s = s;
      this.name = name;
      this.size = size;
      this.channels = channels;
    }

    void check(int index) {
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException("ImageSource '" + name + "': image " + index
            + " is out of range; expected 0.." + (size - 1) + ".");
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public int height() {
      return s.height();
    }

    @Override
    public int width() {
      return s.width();
    }

    @Override
    public int channels() {
      return channels;
    }

    @Override
    public int numClasses() {
      return s.numClasses();
    }

    @Override
    public List<String> classNames() {
      return s.classNames();
    }

    @Override
    public int label(int index) {
      check(index);
      return s.label(index);
    }
  }
}

package org.dynconv.data;

import java.util.List;

/**
 * Labelled images a trainer reads by index: in memory ({@link Dataset}, {@link ArraySource}) or
 * decoded from files when asked ({@link ImageFolder}), so a dataset need not fit in memory.
 *
 * <p>Pixels are floats in 0..255, row-major {@code [height, width, channels]}; models normalise
 * them inside their graph. Labels are {@code 0 .. numClasses() - 1}. Implementations must return
 * the same pixels for the same index every time (a resumed run relies on it) and may be read from
 * one thread at a time.
 */
public interface ImageSource {
  /** For messages, e.g. "fashion-mnist train (embedded subset)". */
  String name();

  int size();

  int height();

  int width();

  int channels();

  int numClasses();

  /** Class names in label order, or empty when the source has none. */
  default List<String> classNames() {
    return List.of();
  }

  /** The label of image {@code index}. */
  int label(int index);

  /** Writes image {@code index} into {@code dst[offset, offset + imageSize())}. */
  void read(int index, float[] dst, int offset);

  default int imageSize() {
    return height() * width() * channels();
  }

  /** Images {@code from .. from+n-1} as one {@code [n,H,W,C]} float array (a model's input). */
  default float[] floatPixels(int from, int n) {
    float[] out = new float[n * imageSize()];
    for (int i = 0; i < n; i++) {
      read(from + i, out, i * imageSize());
    }
    return out;
  }

  /** The first {@code n} images (a view). */
  default ImageSource head(int n) {
    return ImageSources.head(this, n);
  }

  /** The same images with grey repeated in three channels (a view; RGB sources return this). */
  default ImageSource toRgb() {
    return ImageSources.toRgb(this);
  }
}

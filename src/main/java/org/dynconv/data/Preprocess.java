package org.dynconv.data;

import org.dynconv.config.Check;

/**
 * How an image of any size becomes a model input of {@code height x width}:
 *
 * <ul>
 *   <li>EXACT: the image must already have the model's size (the default);
 *   <li>RESIZE: bicubic resize to the model's size, aspect ratio not kept;
 *   <li>GOOGLE: Google's EfficientNet evaluation ({@code preprocessing.py}, {@code
 *       _decode_and_center_crop}): a centre crop of side {@code floor(size / (size + 32) *
 *       min(h, w))} at offset {@code ((h - crop + 1) / 2, (w - crop + 1) / 2)}, then bicubic resize
 *       to the model's size.
 * </ul>
 *
 * Bicubic resizing follows TensorFlow 2's {@code tf.image.resize(method="bicubic")}: half-pixel
 * centres (source coordinate {@code (i + 0.5) * in / out - 0.5}, its fraction rounded to 1/1024
 * as TensorFlow's kernel table does), Keys' cubic with a = -0.5, taps outside the image dropped and
 * the remaining weights renormalised to sum 1, no antialiasing, no rounding of the result.
 */
public enum Preprocess {
  EXACT,
  RESIZE,
  GOOGLE;

  /** Google's crop padding. */
  public static final int CROP_PADDING = 32;

  /** "exact", "resize" or "google". */
  public static Preprocess parse(String s) {
    for (Preprocess p : values()) {
      if (p.name().equalsIgnoreCase(s)) {
        return p;
      }
    }
    throw Check.invalid("Preprocess", "preprocess", s, "exact, resize or google");
  }

  /** Google's centre crop of an {@code h x w} image for a model of side {@code size}: {top, left, side}. */
  public static int[] googleCrop(int h, int w, int size) {
    int crop = (int) ((double) size / (size + CROP_PADDING) * Math.min(h, w));
    return new int[] {(h - crop + 1) / 2, (w - crop + 1) / 2, crop};
  }

  /**
   * Refuses an {@code h x w} image this preprocessing cannot turn into {@code height x width}:
   * Google's centre crop keeps {@code size / (size + 32)} of the shorter side, which must leave at
   * least one pixel.
   */
  public void checkInputSize(int h, int w, int height, int width, String what) {
    if (h < 1 || w < 1) {
      throw new DataFormatError("Preprocess: image " + what + " is " + w + "x" + h + "; expected"
          + " at least one pixel.");
    }
    if (this == GOOGLE && height == width && googleCrop(h, w, height)[2] < 1) {
      int need = 1;
      while (googleCrop(need, need, height)[2] < 1) {
        need++;
      }
      throw new DataFormatError("Preprocess: image " + what + " is " + w + "x" + h + ", too small"
          + " for Google's centre crop to " + width + "x" + height + "; expected at least " + need
          + " pixels on the shorter side.");
    }
  }

  /**
   * {@code pixels [h,w,c]} (floats 0..255, row-major) to {@code [height,width,c]}.
   *
   * @param what names the image in errors
   */
  public float[] apply(float[] pixels, int h, int w, int c, int height, int width, String what) {
    return switch (this) {
      case EXACT -> {
        if (h != height || w != width) {
          throw new DataFormatError("Preprocess: image " + what + " is " + w + "x" + h
              + "; expected " + width + "x" + height + " (the model's input size; --preprocess"
              + " resize or google accepts any size).");
        }
        yield pixels;
      }
      case RESIZE -> bicubic(pixels, h, w, c, height, width);
      case GOOGLE -> {
        if (height != width) {
          throw new DataFormatError("Preprocess: Google's crop needs a square model input; the"
              + " model takes " + width + "x" + height + ".");
        }
        checkInputSize(h, w, height, width, what);
        int[] crop = googleCrop(h, w, height);
        float[] cropped = new float[crop[2] * crop[2] * c];
        for (int y = 0; y < crop[2]; y++) {
          System.arraycopy(pixels, ((crop[0] + y) * w + crop[1]) * c, cropped, y * crop[2] * c,
              crop[2] * c);
        }
        yield bicubic(cropped, crop[2], crop[2], c, height, width);
      }
    };
  }

  /** TensorFlow 2's bicubic resize (half-pixel centres, a = -0.5, out-of-image taps dropped). */
  static float[] bicubic(float[] in, int h, int w, int c, int oh, int ow) {
    double[][] wy = weights(h, oh), wx = weights(w, ow);
    int[][] iy = indices(h, oh), ix = indices(w, ow);
    float[] out = new float[oh * ow * c];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        for (int ch = 0; ch < c; ch++) {
          double acc = 0;
          for (int a = 0; a < 4; a++) {
            double row = 0;
            for (int b = 0; b < 4; b++) {
              row += wx[x][b] * in[(iy[y][a] * w + ix[x][b]) * c + ch];
            }
            acc += wy[y][a] * row;
          }
          out[(y * ow + x) * c + ch] = (float) acc;
        }
      }
    }
    return out;
  }

  private static double source(int i, int in, int out) {
    return (i + 0.5) * in / out - 0.5;
  }

  private static double[][] weights(int in, int out) {
    double[][] wts = new double[out][4];
    for (int i = 0; i < out; i++) {
      double s = source(i, in, out);
      // TensorFlow reads the kernel from a table of 1024 steps per pixel: the fraction rounds.
      double f = Math.rint((s - Math.floor(s)) * 1024) / 1024;
      int base = (int) Math.floor(s);
      double sum = 0;
      for (int k = 0; k < 4; k++) {
        int at = base + k - 1;
        wts[i][k] = at < 0 || at >= in ? 0 : keys(f - (k - 1));
        sum += wts[i][k];
      }
      for (int k = 0; k < 4; k++) {
        wts[i][k] /= sum;
      }
    }
    return wts;
  }

  private static int[][] indices(int in, int out) {
    int[][] idx = new int[out][4];
    for (int i = 0; i < out; i++) {
      int base = (int) Math.floor(source(i, in, out));
      for (int k = 0; k < 4; k++) {
        idx[i][k] = Math.min(in - 1, Math.max(0, base + k - 1));
      }
    }
    return idx;
  }

  /** Keys' cubic convolution kernel with a = -0.5. */
  private static double keys(double t) {
    double a = -0.5, x = Math.abs(t);
    if (x <= 1) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }
    if (x < 2) {
      return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
    return 0;
  }
}

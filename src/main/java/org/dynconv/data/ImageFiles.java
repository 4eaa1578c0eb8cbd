package org.dynconv.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads PNG, JPEG, BMP or GIF images into float pixels 0..255 for a model input of a given size,
 * through a {@link Preprocess} (by default the image must already have the model's size). A
 * colour image given to a one-channel model is converted to luminance (0.299 R + 0.587 G + 0.114
 * B); a grey image given to an RGB model repeats its value.
 */
public final class ImageFiles {
  /**
   * The default limit on an image's pixels, checked from its header before it is decoded: 4096 x
   * 4096, far above any model's input (at most 224 x 224 in the zoo, or an EfficientNet at a
   * resolution of its own) and a photo's usual 12-24 megapixels, while one decoded image stays
   * within about 270 MB (ARGB plus three float channels).
   */
  public static final long DEFAULT_MAX_PIXELS = 4096L * 4096;

  private ImageFiles() {}

  /** {@code [height, width, channels]} floats, row-major; the image must have the model's size. */
  public static float[] read(Path file, int height, int width, int channels) throws IOException {
    return read(file, height, width, channels, Preprocess.EXACT);
  }

  /** {@code [height, width, channels]} floats, row-major, after {@code preprocess}. */
  public static float[] read(Path file, int height, int width, int channels, Preprocess preprocess)
      throws IOException {
    return read(file, height, width, channels, preprocess, DEFAULT_MAX_PIXELS);
  }

  /**
   * As {@link #read(Path, int, int, int, Preprocess)}; an image of more than {@code maxPixels}
   * pixels, or of another size than the model's with {@link Preprocess#EXACT}, is refused from its
   * header, before anything is decoded.
   */
  public static float[] read(Path file, int height, int width, int channels, Preprocess preprocess,
      long maxPixels) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatError("ImageFiles: image '" + file + "' does not exist.");
    }
    Header hd = header(file);
    checkSize(hd, height, width, preprocess, maxPixels, "'" + file + "'");
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      // ImageIO's messages ("Error reading PNG image data") do not name the file.
      throw new DataFormatError("ImageFiles: '" + file + "' could not be decoded ("
          + e.getMessage() + "); expected an intact PNG, JPEG, BMP or GIF image.");
    }
    if (img == null) {
      throw new DataFormatError("ImageFiles: '" + file + "' is not a readable image; expected PNG,"
          + " JPEG, BMP or GIF.");
    }
    return pixels(img, height, width, channels, preprocess, "'" + file + "'");
  }

  /** An image's size and whether it is grey, read from its header without decoding it. */
  public record Header(int width, int height, boolean grey) {}

  /**
   * The header of {@code file}; an error naming the file when it is not a PNG, JPEG, BMP or GIF
   * image or its header is damaged.
   */
  public static Header header(Path file) throws IOException {
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      return header(in, "'" + file + "'");
    }
  }

  private static Header header(javax.imageio.stream.ImageInputStream in, String what) {
    java.util.Iterator<javax.imageio.ImageReader> readers =
        in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
    if (!readers.hasNext()) {
      throw new DataFormatError("ImageFiles: " + what + " is not a readable image; expected"
          + " PNG, JPEG, BMP or GIF.");
    }
    javax.imageio.ImageReader r = readers.next();
    try {
      r.setInput(in, true, true);
      javax.imageio.ImageTypeSpecifier t = r.getRawImageType(0);
      boolean grey = t != null && t.getColorModel().getNumComponents() == 1
          && t.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
      return new Header(r.getWidth(0), r.getHeight(0), grey);
    } catch (IOException | RuntimeException e) {
      throw new DataFormatError("ImageFiles: " + what + " could not be read (" + e.getMessage()
          + "); expected an intact PNG, JPEG, BMP or GIF image.");
    } finally {
      r.dispose();
    }
  }

  /** Refuses, from the header alone, an image too large to decode or of the wrong size. */
  private static void checkSize(Header hd, int height, int width, Preprocess preprocess,
      long maxPixels, String what) {
    long pixels = (long) hd.width() * hd.height();
    if (pixels > maxPixels) {
      throw new DataFormatError(String.format(java.util.Locale.ROOT, "ImageFiles: image %s is"
          + " %dx%d (%,d pixels); expected at most %,d pixels.", what, hd.width(), hd.height(),
          pixels, maxPixels));
    }
    if (preprocess == Preprocess.EXACT && (hd.height() != height || hd.width() != width)) {
      throw new DataFormatError("ImageFiles: image " + what + " is " + hd.width() + "x"
          + hd.height() + "; expected " + width + "x" + height + " (the model's input size;"
          + " --preprocess resize or google accepts any size).");
    }
    preprocess.checkInputSize(hd.height(), hd.width(), height, width, what);
  }

  /** Decodes an encoded image (PNG, JPEG, BMP, GIF bytes) as {@link #read} does. */
  public static float[] decode(byte[] encoded, int height, int width, int channels,
      Preprocess preprocess, String what) {
    return decode(encoded, height, width, channels, preprocess, what, DEFAULT_MAX_PIXELS);
  }

  /** As {@link #decode(byte[], int, int, int, Preprocess, String)}, with a pixel limit. */
  public static float[] decode(byte[] encoded, int height, int width, int channels,
      Preprocess preprocess, String what, long maxPixels) {
    Header hd;
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(
        new java.io.ByteArrayInputStream(encoded))) {
      hd = header(in, what);
    } catch (IOException e) {
      throw new DataFormatError("ImageFiles: " + what + " could not be read (" + e.getMessage()
          + "); expected an intact PNG, JPEG, BMP or GIF image.");
    }
    checkSize(hd, height, width, preprocess, maxPixels, what);
    BufferedImage img;
    try {
      img = ImageIO.read(new java.io.ByteArrayInputStream(encoded));
    } catch (IOException e) {
      throw new DataFormatError("ImageFiles: " + what + " could not be decoded (" + e.getMessage()
          + "); expected an intact PNG, JPEG, BMP or GIF image.");
    }
    if (img == null) {
      throw new DataFormatError("ImageFiles: " + what + " is not a readable image; expected PNG,"
          + " JPEG, BMP or GIF.");
    }
    return pixels(img, height, width, channels, preprocess, what);
  }

  private static float[] pixels(BufferedImage img, int height, int width, int channels,
      Preprocess preprocess, String what) {
    if (channels != 1 && channels != 3) {
      throw new DataFormatError("ImageFiles: the model takes " + channels + " channels; expected a"
          + " model with 1 (grey) or 3 (RGB).");
    }
    int h = img.getHeight(), w = img.getWidth();
    if (preprocess == Preprocess.EXACT && (h != height || w != width)) {
      throw new DataFormatError("ImageFiles: image " + what + " is " + w + "x" + h + "; expected "
          + width + "x" + height + " (the model's input size; --preprocess resize or google accepts"
          + " any size).");
    }
    float[] out = new float[h * w * channels];
    boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * channels;
        if (grey) {
          int v = img.getRaster().getSample(x, y, 0);
          for (int c = 0; c < channels; c++) {
            out[i + c] = v;
          }
          continue;
        }
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
        if (channels == 1) {
          out[i] = (float) (0.299 * r + 0.587 * g + 0.114 * b);
        } else {
          out[i] = r;
          out[i + 1] = g;
          out[i + 2] = b;
        }
      }
    }
    return preprocess.apply(out, h, w, channels, height, width, what);
  }
}

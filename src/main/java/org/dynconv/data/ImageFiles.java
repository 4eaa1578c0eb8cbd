package org.dynconv.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads PNG, JPEG, BMP or GIF images into float pixels 0..255 for a model input of a given size.
 * Images must already have the model's size; a colour image given to a one-channel model is
 * converted to luminance (0.299 R + 0.587 G + 0.114 B).
 */
public final class ImageFiles {
  private ImageFiles() {}

  /** {@code [height, width, channels]} floats, row-major. */
  public static float[] read(Path file, int height, int width, int channels) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatError("ImageFiles: image '" + file + "' does not exist.");
    }
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
    if (img.getHeight() != height || img.getWidth() != width) {
      throw new DataFormatError("ImageFiles: image '" + file + "' is " + img.getWidth() + "x"
          + img.getHeight() + "; expected " + width + "x" + height + " (the model's input size).");
    }
    if (channels != 1 && channels != 3) {
      throw new DataFormatError("ImageFiles: the model takes " + channels + " channels; expected a"
          + " model with 1 (grey) or 3 (RGB).");
    }
    float[] out = new float[height * width * channels];
    boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = (y * width + x) * channels;
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
    return out;
  }
}

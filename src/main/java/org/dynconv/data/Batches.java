package org.dynconv.data;

import java.util.SplittableRandom;

/**
 * Turns an image source into float batches: a seeded order per epoch and optional augmentation (random
 * crop after zero padding, horizontal flip). Every random choice is a function of (seed, epoch,
 * image index), so a resumed run sees exactly the batches an uninterrupted one would.
 */
public final class Batches {
  private final ImageSource data;
  private float[] scratch = new float[0];
  private final long seed;
  private final int cropPadding;
  private final boolean flip;

  /**
   * @param cropPadding pixels of zero padding before a random crop back to the original size (0 =
   *     no crop)
   * @param flip random horizontal flips
   */
  public Batches(ImageSource data, long seed, int cropPadding, boolean flip) {
    this.data = data;
    this.seed = seed;
    this.cropPadding = cropPadding;
    this.flip = flip;
  }

  /** The order of the examples in {@code epoch} (Fisher-Yates with a per-epoch seed). */
  public int[] order(int epoch) {
    int n = data.size();
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    SplittableRandom r = new SplittableRandom(mix(seed, epoch, -1));
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }

  /**
   * Fills {@code pixels} ({@code [n,H,W,C]} floats 0..255) and {@code labels} with the examples
   * {@code order[from, from+n)}, augmented when {@code augment}.
   */
  public void fill(int[] order, int from, int n, int epoch, boolean augment, float[] pixels,
      int[] labels) {
    int h = data.height(), w = data.width(), c = data.channels(), size = data.imageSize();
    if (scratch.length != size) {
      scratch = new float[size];
    }
    for (int i = 0; i < n; i++) {
      int ex = order[from + i];
      labels[i] = data.label(ex);
      int out = i * size;
      if (!augment || (cropPadding == 0 && !flip)) {
        data.read(ex, pixels, out);
        continue;
      }
      data.read(ex, scratch, 0);
      SplittableRandom r = new SplittableRandom(mix(seed, epoch, ex));
      int dy = cropPadding == 0 ? 0 : r.nextInt(2 * cropPadding + 1) - cropPadding;
      int dx = cropPadding == 0 ? 0 : r.nextInt(2 * cropPadding + 1) - cropPadding;
      boolean mirror = flip && r.nextBoolean();
      for (int y = 0; y < h; y++) {
        int sy = y + dy;
        for (int x = 0; x < w; x++) {
          int sx0 = x + dx;
          int sx = mirror ? w - 1 - sx0 : sx0;
          boolean inside = sy >= 0 && sy < h && sx0 >= 0 && sx0 < w;
          for (int ch = 0; ch < c; ch++) {
            pixels[out + (y * w + x) * c + ch] = inside ? scratch[(sy * w + sx) * c + ch] : 0f;
          }
        }
      }
    }
  }

  public ImageSource data() {
    return data;
  }

  private static long mix(long seed, long epoch, long index) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}

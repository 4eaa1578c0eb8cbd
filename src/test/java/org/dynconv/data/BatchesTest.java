package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Seeded order and augmentation, on a hand-made 2x3 image. */
class BatchesTest {
  static Dataset tiny(int n) {
    byte[] px = new byte[n * 6];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i % 6 + 1);
    }
    return new Dataset("tiny", px, new int[n], 2, 3, 1, 10);
  }

  @Test
  void orderIsASeededPermutationPerEpoch() {
    Batches b = new Batches(tiny(50), 3, 0, false);
    int[] o0 = b.order(0), again = new Batches(tiny(50), 3, 0, false).order(0);
    assertArrayEquals(o0, again);
    assertFalse(Arrays.equals(o0, b.order(1)));
    int[] sorted = o0.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 50; i++) {
      assertEquals(i, sorted[i]);
    }
  }

  @Test
  void withoutAugmentationPixelsAreCopied() {
    Batches b = new Batches(tiny(1), 1, 2, true);
    float[] px = new float[6];
    b.fill(new int[] {0}, 0, 1, 0, false, px, new int[1]);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, px);
  }

  @Test
  void augmentedImagesAreShiftsOrMirrorsOfTheOriginal() {
    // Image rows [1 2 3] [4 5 6]. With padding 1 every crop is a shift by dy, dx in -1..1 with zero
    // fill, then maybe a mirror; check each result is one of those 18 images.
    Batches b = new Batches(tiny(40), 9, 1, true);
    float[] px = new float[40 * 6];
    int[] order = b.order(0);
    b.fill(order, 0, 40, 0, true, px, new int[40]);
    int distinct = 0;
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) {
      float[] img = Arrays.copyOfRange(px, i * 6, i * 6 + 6);
      boolean ok = false;
      for (int dy = -1; dy <= 1 && !ok; dy++) {
        for (int dx = -1; dx <= 1 && !ok; dx++) {
          for (boolean mirror : new boolean[] {false, true}) {
            if (Arrays.equals(img, shifted(dy, dx, mirror))) {
              ok = true;
            }
          }
        }
      }
      assertEquals(true, ok, "image " + i + " = " + Arrays.toString(img));
      if (seen.add(Arrays.toString(img))) {
        distinct++;
      }
    }
    assertEquals(true, distinct > 5, "augmentation varies: " + distinct);
  }

  private static float[] shifted(int dy, int dx, boolean mirror) {
    float[][] src = {{1, 2, 3}, {4, 5, 6}};
    float[] out = new float[6];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        int sy = y + dy, sx = x + dx;
        float v = sy >= 0 && sy < 2 && sx >= 0 && sx < 3 ? src[sy][mirror ? 2 - sx : sx] : 0;
        out[y * 3 + x] = v;
      }
    }
    return out;
  }
}

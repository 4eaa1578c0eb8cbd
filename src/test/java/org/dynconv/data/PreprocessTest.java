package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.image.ResizeBicubic;
import org.tensorflow.types.TFloat32;

/**
 * Google's centre crop on cases computed by hand from its formula, and the bicubic resize against
 * TensorFlow's own ResizeBicubic (half-pixel centres, the op behind TF 2's tf.image.resize).
 */
class PreprocessTest {
  @Test
  void googleCropFollowsItsFormula() {
    // crop = floor(224 / 256 * min(h, w)); offset = (extent - crop + 1) / 2.
    assertArrayEquals(new int[] {16, 16, 224}, Preprocess.googleCrop(256, 256, 224));
    // 375x500: floor(0.875 * 375) = 328; (375 - 328 + 1) / 2 = 24; (500 - 328 + 1) / 2 = 86.
    assertArrayEquals(new int[] {24, 86, 328}, Preprocess.googleCrop(375, 500, 224));
    // 28x28 for a 28 model: floor(28 / 60 * 28) = 13; (28 - 13 + 1) / 2 = 8.
    assertArrayEquals(new int[] {8, 8, 13}, Preprocess.googleCrop(28, 28, 28));
    // 601x400: floor(0.875 * 400) = 350; (601 - 350 + 1) / 2 = 126; (400 - 350 + 1) / 2 = 25.
    assertArrayEquals(new int[] {126, 25, 350}, Preprocess.googleCrop(601, 400, 224));
  }

  @Test
  void bicubicMatchesTensorFlow() {
    int h = 7, w = 9, c = 2;
    float[] img = Rand.uniform(3, h * w * c, 0, 255);
    for (int[] out : new int[][] {{4, 5}, {13, 11}, {7, 9}, {28, 28}}) {
      try (TfRun run = new TfRun(1)) {
        Operand<TFloat32> x = run.placeholder("x", Shape.of(1, h, w, c));
        Operand<TFloat32> y = run.tf.image.resizeBicubic(x, run.tf.constant(out),
            ResizeBicubic.halfPixelCenters(true));
        float[] expected = run.run(List.of(y), new TfRun.Feed(x, Shape.of(1, h, w, c), img)).get(0);
        float[] got = Preprocess.bicubic(img, h, w, c, out[0], out[1]);
        AllClose.assertRelClose(AllClose.toDouble(expected), got, 1e-5, out[0] + "x" + out[1]);
      }
    }
  }

  @Test
  void exactRefusesOtherSizesAndParseNamesTheChoices() {
    DataFormatError e = assertThrows(DataFormatError.class, () -> Preprocess.EXACT.apply(
        new float[12], 2, 6, 1, 3, 4, "'x.png'"));
    assertEquals("Preprocess: image 'x.png' is 6x2; expected 4x3 (the model's input size;"
        + " --preprocess resize or google accepts any size).", e.getMessage());
    assertEquals("Preprocess: preprocess=crop is invalid; expected exact, resize or google.",
        assertThrows(IllegalArgumentException.class, () -> Preprocess.parse("crop")).getMessage());
  }
}

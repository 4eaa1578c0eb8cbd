package org.dynconv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** TensorFlow's output-size and padding rule, on hand-computed cases. */
class ConvGeometryTest {
  @Test
  void sameRoundsUpAndPadsMoreAfterThanBefore() {
    // in 8, k 3, s 2: out ceil(8/2)=4, total pad (4-1)*2+3-8 = 1 -> 0 before, 1 after.
    ConvGeometry g = ConvGeometry.square(3, 2, 1, Padding.SAME);
    assertEquals(4, g.outputHeight(8));
    assertEquals(0, g.padTop(8));
    // in 7, k 5, s 1, d 2: extent 9, total pad 8 -> 4 before.
    ConvGeometry d = ConvGeometry.square(5, 1, 2, Padding.SAME);
    assertEquals(7, d.outputHeight(7));
    assertEquals(4, d.padTop(7));
  }

  @Test
  void validUsesTheDilatedExtent() {
    // in 11, k 5, d 2: extent 9, out (11-9)/1+1 = 3; stride 2: ceil(3/2) = 2.
    assertEquals(3, ConvGeometry.square(5, 1, 2, Padding.VALID).outputHeight(11));
    assertEquals(2, ConvGeometry.square(5, 2, 2, Padding.VALID).outputHeight(11));
    assertEquals(0, ConvGeometry.square(5, 2, 2, Padding.VALID).padTop(11));
  }

  @Test
  void emptyOutputIsAnErrorNamingTheSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.square(5, 1, 2, Padding.VALID).outputWidth(8));
    assertEquals("ConvGeometry: input width=8 gives an empty output with kernel extent 9, stride 1"
        + " and padding VALID; expected an input width >= 9.", e.getMessage());
  }

  @Test
  void invalidArgumentsAreNamed() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.square(0, 1, 1, Padding.SAME));
    assertEquals("ConvGeometry: kernelH=0 is invalid; expected kernelH >= 1.", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ConvGeometry.of(3).withStride(-2));
    assertEquals("ConvGeometry: strideH=-2 is invalid; expected strideH >= 1.", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ConvGeometry.of(3).withPadding(null));
    assertEquals("ConvGeometry: padding is null; expected a value.", e.getMessage());
  }
}

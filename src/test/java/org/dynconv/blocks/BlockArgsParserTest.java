package org.dynconv.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Google's block-string DSL, strict: every bad token is named with its position. */
class BlockArgsParserTest {
  @Test
  void decodesGoogleBlockStrings() {
    assertEquals(new BlockArgs(3, 5, 1, 6, 80, 112, 0.25, true, true),
        BlockArgsParser.parse("r3_k5_s11_e6_i80_o112_se0.25_cc"));
    assertEquals(new BlockArgs(1, 3, 1, 1, 32, 16, 0.25, true, false),
        BlockArgsParser.parse("r1_k3_s11_e1_i32_o16_se0.25"));
    assertEquals(new BlockArgs(2, 3, 2, 6, 16, 24, 0, false, false),
        BlockArgsParser.parse("r2_k3_s22_e6_i16_o24_noskip"));
  }

  @Test
  void badTokensAreNamed() {
    String keys = "; known keys: r, k, s (two equal digits), e, i, o, se, noskip, cc.";
    assertError("BlockArgsParser: unknown token 'x3' at index 3 in 'r1_k3_s11_x3_e1_i32_o16'" + keys,
        "r1_k3_s11_x3_e1_i32_o16");
    assertError("BlockArgsParser: malformed value for key 's' 's12' at index 2 in"
        + " 'r1_k3_s12_e1_i32_o16'" + keys, "r1_k3_s12_e1_i32_o16");
    assertError("BlockArgsParser: malformed value for key 'se' 'se1.5' at index 6 in"
        + " 'r1_k3_s11_e1_i32_o16_se1.5'" + keys, "r1_k3_s11_e1_i32_o16_se1.5");
    assertError("BlockArgsParser: repeated key 'k' 'k5' at index 2 in 'r1_k3_k5_s11_e1_i32_o16'"
        + keys, "r1_k3_k5_s11_e1_i32_o16");
    assertError("BlockArgsParser: malformed value for key 'cc' 'cc4' at index 6 in"
        + " 'r1_k3_s11_e1_i32_o16_cc4'" + keys, "r1_k3_s11_e1_i32_o16_cc4");
    assertError("BlockArgsParser: unknown token '' at index 6 in 'r1_k3_s11_e1_i32_o16_'" + keys,
        "r1_k3_s11_e1_i32_o16_");
    assertError("BlockArgsParser: block 'r1_k3_s11_e1_i32' has no 'o' token; expected all of"
        + " [r, k, s, e, i, o].", "r1_k3_s11_e1_i32");
  }

  @Test
  void scalingRoundsLikeGoogle() {
    // round_filters: 32 * 1.1 = 35.2 -> int(35.2 + 4) // 8 * 8 = 32 (>= 0.9 * 35.2), 1280 * 1.1 =
    // 1408 exactly; 16 * 0.5 = 8; 24 * 1.2 = 28.8 -> int(32.8) // 8 * 8 = 32.
    assertEquals(32, Scaling.roundFilters(32, 1.1, 8));
    assertEquals(1408, Scaling.roundFilters(1280, 1.1, 8));
    assertEquals(8, Scaling.roundFilters(16, 0.5, 8));
    assertEquals(32, Scaling.roundFilters(24, 1.2, 8));
    // round_repeats: ceil(1.1 * 3) = 4, ceil(1.1 * 1) = 2.
    assertEquals(4, Scaling.roundRepeats(3, 1.1));
    assertEquals(2, Scaling.roundRepeats(1, 1.1));
  }

  private static void assertError(String message, String block) {
    assertEquals(message,
        assertThrows(IllegalArgumentException.class, () -> BlockArgsParser.parse(block)).getMessage());
  }
}

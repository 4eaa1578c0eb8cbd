package org.dynconv.routing;

import org.dynconv.config.Check;

/**
 * ODConv's attention trunk width: {@code A = max(floor(C * reduction), minChannels)}.
 *
 * @param reduction in (0, 1]; 1/16 in the official models
 * @param minChannels >= 1; 16 in the official code
 */
public record OdAttentionConfig(double reduction, int minChannels) {
  public OdAttentionConfig {
    if (!(reduction > 0 && reduction <= 1)) {
      throw Check.invalid("OdAttentionConfig", "reduction", reduction, "0 < reduction <= 1");
    }
    Check.positive("OdAttentionConfig", "minChannels", minChannels);
  }

  /** The official defaults: reduction 1/16, at least 16 channels. */
  public static OdAttentionConfig defaults() {
    return new OdAttentionConfig(0.0625, 16);
  }

  /** The trunk width for {@code inChannels} input channels. */
  public int width(int inChannels) {
    return Math.max((int) (inChannels * reduction), minChannels);
  }
}

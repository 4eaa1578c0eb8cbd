package org.dynconv.blocks;

import org.dynconv.config.Check;

/**
 * One stage of an EfficientNet, decoded from Google's block string (see {@link
 * BlockArgsParser}).
 *
 * @param numRepeat blocks in the stage ({@code r})
 * @param kernelSize depthwise kernel ({@code k})
 * @param stride stride of the first block ({@code s}, both digits equal)
 * @param expandRatio expansion of the inverted bottleneck ({@code e})
 * @param inputFilters channels in ({@code i})
 * @param outputFilters channels out ({@code o})
 * @param seRatio squeeze-and-excitation ratio ({@code se}), 0 for none
 * @param idSkip residual connection when shapes allow (off with {@code noskip})
 * @param condconv CondConv in the expand, depthwise and project convs ({@code cc})
 */
public record BlockArgs(int numRepeat, int kernelSize, int stride, int expandRatio,
    int inputFilters, int outputFilters, double seRatio, boolean idSkip, boolean condconv) {
  public BlockArgs {
    Check.positive("BlockArgs", "numRepeat", numRepeat);
    Check.positive("BlockArgs", "kernelSize", kernelSize);
    Check.positive("BlockArgs", "stride", stride);
    Check.positive("BlockArgs", "expandRatio", expandRatio);
    Check.positive("BlockArgs", "inputFilters", inputFilters);
    Check.positive("BlockArgs", "outputFilters", outputFilters);
    if (!(seRatio >= 0 && seRatio <= 1)) {
      throw Check.invalid("BlockArgs", "seRatio", seRatio, "0 <= seRatio <= 1");
    }
  }

  public BlockArgs withFilters(int in, int out) {
    return new BlockArgs(numRepeat, kernelSize, stride, expandRatio, in, out, seRatio, idSkip,
        condconv);
  }

  public BlockArgs withRepeats(int r) {
    return new BlockArgs(r, kernelSize, stride, expandRatio, inputFilters, outputFilters, seRatio,
        idSkip, condconv);
  }

  /** The block for repeats after the first: input = output filters, stride 1. */
  public BlockArgs repeated() {
    return new BlockArgs(numRepeat, kernelSize, 1, expandRatio, outputFilters, outputFilters, seRatio,
        idSkip, condconv);
  }
}

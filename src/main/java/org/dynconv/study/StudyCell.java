package org.dynconv.study;

import java.util.Locale;
import org.dynconv.blocks.ConvType;
import org.dynconv.models.MobileNetV2;
import org.dynconv.models.ModelSpec;

/**
 * One cell of a study grid: a member of the MobileNetV2 family trained once.
 *
 * @param width width multiplier
 * @param conv the conv label: static, condconv, dynamic, dcd, odconv (n = 1) or odconv4
 * @param seed training seed
 * @param learningRate peak learning rate
 */
public record StudyCell(double width, String conv, long seed, double learningRate) {
  /** Every conv label a study knows, in report order. */
  public static final String[] CONVS = {"static", "condconv", "dynamic", "dcd", "odconv", "odconv4"};

  /** The family member's convolution type. */
  public ConvType type() {
    return ConvType.parse(conv.equals("odconv4") ? "odconv" : conv);
  }

  /** E, K or n: 4 for CondConv, DynamicConv and ODConv 4x, 1 for ODConv 1x, 0 otherwise. */
  public int experts() {
    return switch (conv) {
      case "condconv", "dynamic", "odconv4" -> 4;
      case "odconv" -> 1;
      default -> 0;
    };
  }

  /** The zoo name of the member ({@code mobilenetv2-0.5-odconv}). */
  public String model() {
    return MobileNetV2.name(width, type());
  }

  /** The member with its experts. */
  public ModelSpec spec() {
    MobileNetV2 m = MobileNetV2.of(width, type());
    return experts() > 0 ? m.withExperts(experts()) : m;
  }

  /** The static member of the same width (the baseline of timings). */
  public StudyCell staticTwin() {
    return new StudyCell(width, "static", seed, learningRate);
  }

  /** Identifies the member regardless of seed and learning rate (timings are per member). */
  public String memberKey() {
    return String.format(Locale.ROOT, "%s,%s", MobileNetV2.name(width, type()), conv);
  }

  /** Identifies the cell in results.csv. */
  public String key() {
    return String.format(Locale.ROOT, "%s,%s,%d,%s", model(), conv, seed, lr());
  }

  /** A directory name for the cell's run. */
  public String dirName() {
    return String.format(Locale.ROOT, "%s-%s-seed%d-lr%s", model(), conv, seed, lr());
  }

  String lr() {
    return String.format(Locale.ROOT, "%g", learningRate);
  }
}

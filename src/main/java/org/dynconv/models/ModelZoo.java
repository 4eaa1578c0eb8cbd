package org.dynconv.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.dynconv.blocks.ConvType;

/** The models dynconv knows by name. */
public final class ModelZoo {
  private static final Map<String, Supplier<ModelSpec>> MODELS = new LinkedHashMap<>();

  static {
    for (ConvType t : ConvType.values()) {
      MODELS.put("small-cnn-" + t.id(), () -> SmallCnn.of(t));
    }
    // DCD as the official models build it: with DCD's dynamic classifier (DYCls).
    MODELS.put("small-cnn-dcd-dycls", () -> SmallCnn.of(ConvType.DCD, true));
    for (double w : MobileNetV2.WIDTHS) {
      for (ConvType t : ConvType.values()) {
        MODELS.put(MobileNetV2.name(w, t), () -> MobileNetV2.of(w, t));
      }
    }
    MODELS.put("efficientnet-b0", EfficientNet::b0);
    MODELS.put("efficientnet-condconv-b0-4e", () -> EfficientNet.condconvB0(4, 1.0));
    MODELS.put("efficientnet-condconv-b0-8e", () -> EfficientNet.condconvB0(8, 1.0));
    MODELS.put("efficientnet-condconv-b0-8e-depth", () -> EfficientNet.condconvB0(8, 1.1));
  }

  private ModelZoo() {}

  public static List<String> names() {
    return List.copyOf(MODELS.keySet());
  }

  /** Prefixes P such that P-static, P-condconv, ... exist for every convolution type. */
  public static List<String> families() {
    List<String> out = new ArrayList<>();
    for (String n : MODELS.keySet()) {
      String suffix = "-" + ConvType.STATIC.id();
      if (n.endsWith(suffix)) {
        String prefix = n.substring(0, n.length() - suffix.length());
        if (Arrays.stream(ConvType.values()).allMatch(t -> MODELS.containsKey(prefix + "-" + t.id()))) {
          out.add(prefix);
        }
      }
    }
    return out;
  }

  /**
   * The known names, short: families as "P-{static|condconv|...}" followed by the single models,
   * for error messages that would otherwise list 30 names.
   */
  public static String summary() {
    List<String> families = families();
    String types = Arrays.stream(ConvType.values()).map(ConvType::id)
        .collect(Collectors.joining("|"));
    List<String> parts = new ArrayList<>();
    for (String n : MODELS.keySet()) {
      int dash = n.lastIndexOf('-');
      String prefix = dash > 0 ? n.substring(0, dash) : n;
      boolean member = families.contains(prefix)
          && Arrays.stream(ConvType.values()).anyMatch(t -> t.id().equals(n.substring(dash + 1)));
      String part = member ? prefix + "-{" + types + "}" : n;
      if (!parts.contains(part)) {
        parts.add(part); // in registration order, each family once
      }
    }
    return String.join(", ", parts);
  }

  /** The spec for {@code name} with {@code experts} experts (0 = the model's default). */
  public static ModelSpec get(String name, int experts) {
    ModelSpec spec = get(name);
    return experts == 0 ? spec : spec.withExperts(experts);
  }

  /** The spec for {@code name}; an error listing the known names otherwise. */
  public static ModelSpec get(String name) {
    Supplier<ModelSpec> s = MODELS.get(name);
    if (s == null) {
      throw new IllegalArgumentException("ModelZoo: model '" + name + "' is unknown; expected one of "
          + summary() + ".");
    }
    return s.get();
  }
}

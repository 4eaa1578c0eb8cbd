package org.dynconv.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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
          + String.join(", ", MODELS.keySet()) + ".");
    }
    return s.get();
  }
}

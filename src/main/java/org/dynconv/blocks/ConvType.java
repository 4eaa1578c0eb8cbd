package org.dynconv.blocks;

/** Which convolution a model's convs use. */
public enum ConvType {
  STATIC,
  CONDCONV,
  DYNAMIC;

  /** Lower-case name used on the command line and in model names. */
  public String id() {
    return name().toLowerCase();
  }

  public static ConvType parse(String s) {
    for (ConvType t : values()) {
      if (t.id().equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "ConvType: '" + s + "' is unknown; expected one of static, condconv, dynamic.");
  }
}

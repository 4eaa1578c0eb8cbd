package org.dynconv.blocks;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which convolution a model's dynamic layers use. */
public enum ConvType {
  STATIC,
  CONDCONV,
  DYNAMIC,
  DCD,
  ODCONV;

  /** Lower-case name used on the command line and in model names. */
  public String id() {
    return name().toLowerCase();
  }

  /** Whether the layers have E experts or n kernels (CondConv, DynamicConv, ODConv). */
  public boolean hasExperts() {
    return this == CONDCONV || this == DYNAMIC || this == ODCONV;
  }

  /** Whether the layers read an annealed temperature (DynamicConv, ODConv). */
  public boolean annealsTemperature() {
    return this == DYNAMIC || this == ODCONV;
  }

  public static ConvType parse(String s) {
    for (ConvType t : values()) {
      if (t.id().equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("ConvType: '" + s + "' is unknown; expected one of "
        + Arrays.stream(values()).map(ConvType::id).collect(Collectors.joining(", ")) + ".");
  }
}

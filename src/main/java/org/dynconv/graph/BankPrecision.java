package org.dynconv.graph;

import java.util.Arrays;
import java.util.Locale;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * The type expert banks are stored and mixed in. FLOAT32 is the only one a model trains in;
 * BFLOAT16 and FLOAT16 halve the bytes an inference graph reads to mix a kernel (the whole bank
 * per image at batch 1) at the cost of rounding the bank, the routing weights and the mixed kernel
 * to 8 (bfloat16) or 11 (float16) significant bits. The convolution itself stays float32.
 */
public enum BankPrecision {
  FLOAT32(DataType.DT_FLOAT, TFloat32.class, 24),
  BFLOAT16(DataType.DT_BFLOAT16, TBfloat16.class, 8),
  FLOAT16(DataType.DT_HALF, TFloat16.class, 11);

  private final DataType dataType;
  private final Class<? extends TNumber> type;
  private final int significandBits;

  BankPrecision(DataType dataType, Class<? extends TNumber> type, int significandBits) {
    this.dataType = dataType;
    this.type = type;
    this.significandBits = significandBits;
  }

  public DataType dataType() {
    return dataType;
  }

  /** The TF Java tensor type. */
  public Class<? extends TNumber> type() {
    return type;
  }

  /** Significant bits, the implicit leading one included (float32: 24). */
  public int significandBits() {
    return significandBits;
  }

  /** Narrower than float32. */
  public boolean halfWidth() {
    return this != FLOAT32;
  }

  /** The lower-case name ({@code bfloat16}) the command line and export properties use. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code float32}, {@code bfloat16} or {@code float16} (any case).
   *
   * @param what the argument's name for the message, e.g. {@code --bank-dtype}
   */
  public static BankPrecision parse(String what, String value) {
    for (BankPrecision p : values()) {
      if (p.label().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException(what + "=" + value + " is invalid; expected one of "
        + Arrays.stream(values()).map(BankPrecision::label).toList() + ".");
  }
}

package org.dynconv.config;

/**
 * TensorFlow's two padding modes.
 *
 * <p>SAME: {@code out = ceil(in / stride)}, total padding {@code max((out - 1) * stride + (k - 1) *
 * dilation + 1 - in, 0)}, of which {@code floor(total / 2)} goes before and the rest after.
 * VALID: no padding, {@code out = ceil((in - (k - 1) * dilation) / stride)}.
 */
public enum Padding {
  SAME,
  VALID;

  /** The string TensorFlow's conv ops take as their {@code padding} attribute. */
  public String tfName() {
    return name();
  }
}

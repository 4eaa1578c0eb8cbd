package org.dynconv.conv;

/** Which convolution a conditional layer computes per example. */
public enum ConvKind {
  /** Every output channel sees every input channel; kernel {@code [kh,kw,Cin,Cout]}. */
  REGULAR,
  /** Channel c only sees input channel c; kernel {@code [kh,kw,C,M]}, output {@code C*M}. */
  DEPTHWISE
}

package org.dynconv.config;

/** Activations a layer can apply to its output. SWISH is {@code x * sigmoid(x)} (Google's). */
public enum Activation {
  NONE,
  RELU,
  RELU6,
  SWISH,
  SIGMOID
}

/**
 * Blocks made of layers: conv-BatchNorm-activation with a switchable convolution type,
 * EfficientNet's MBConv, MobileNetV2's inverted residual, and Google's block strings.
 */
package org.dynconv.blocks;

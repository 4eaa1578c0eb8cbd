/**
 * Blocks made of layers: conv-BatchNorm-activation with a switchable convolution type,
 * EfficientNet's MBConv, MobileNetV2's inverted residual, and Google's block strings.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the block, after the layer.
 */
package org.dynconv.blocks;

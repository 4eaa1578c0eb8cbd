/**
 * Blocks made of layers: conv-BatchNorm-activation with a switchable convolution type,
 * EfficientNet's MBConv, MobileNetV2's inverted residual, and Google's block strings. {@link
 * org.dynconv.blocks.BlockLayers} puts each in the {@link org.dynconv.layers.Layer} call shape,
 * so the zoo's models are compositions of layers that report what they create to the build
 * context, as a model of one's own is.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the block, after the layer.
 */
package org.dynconv.blocks;

/**
 * Whole models ({@link org.dynconv.models.ModelSpec}): the small CNN, the MobileNetV2 family,
 * EfficientNet(-CondConv), the zoo of named models, and {@link org.dynconv.models.CustomModel} for
 * models of your own built from dynconv's layers.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the model, after the block.
 */
package org.dynconv.models;

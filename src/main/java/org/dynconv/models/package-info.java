/**
 * Whole models ({@link org.dynconv.models.ModelSpec}): the small CNN, the MobileNetV2 family,
 * EfficientNet(-CondConv), the zoo of named models, and {@link org.dynconv.models.CustomModel} for
 * models of your own built from dynconv's layers.
 */
package org.dynconv.models;

/**
 * The dynamic convolution layers: {@link org.dynconv.layers.CondConv2d}, {@link
 * org.dynconv.layers.DynamicConv2d}, {@link org.dynconv.layers.DcdConv2d}, {@link
 * org.dynconv.layers.DcdDense}, {@link org.dynconv.layers.OdConv2d} and their depthwise forms,
 * each with an immutable config record.
 */
package org.dynconv.layers;

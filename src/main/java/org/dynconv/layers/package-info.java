/**
 * The layer API, and the dynamic convolution layers: the step of the data flow after the
 * convolution (bias and activation), where routing, mixing and convolution become one layer.
 *
 * <p>Start at {@link org.dynconv.layers.Layers}: every layer, static or conditional, regular or
 * depthwise, in one call shape, {@link org.dynconv.layers.Layer#call}, built from a validated
 * config and called on a tensor in a {@link org.dynconv.layers.BuildContext}, which collects what
 * the layers create (variables, updates, routing and attentions, multiply-adds). {@link
 * org.dynconv.layers.Sequential}, {@link org.dynconv.layers.Residual} and {@link
 * org.dynconv.layers.SharedRouting} compose them.
 *
 * <p>Underneath are the implementations the model zoo builds directly, with the variable names
 * and layouts that Google's checkpoints and dynconv's exports are bound to: {@link
 * org.dynconv.layers.CondConv2d}, {@link org.dynconv.layers.DynamicConv2d}, {@link
 * org.dynconv.layers.DcdConv2d}, {@link org.dynconv.layers.DcdDense}, {@link
 * org.dynconv.layers.OdConv2d} and their depthwise forms.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the layer, where routing, mixing, convolution, bias and activation become one call.
 */
package org.dynconv.layers;

/**
 * The per-example signal of each family: CondConv's sigmoid routing, DynamicConv's softmax
 * attention and its temperature, DCD's dynamic branch (lambda and Phi), ODConv's four attentions,
 * and {@link org.dynconv.routing.RoutingOutputs}, which carries them to training logs and the
 * routing signature.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): routing or attention, the step after the input.
 */
package org.dynconv.routing;

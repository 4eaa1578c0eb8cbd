/**
 * Building blocks of a graph: {@link org.dynconv.graph.LayerScope} (names and seeds of a layer's
 * ops and variables), {@link org.dynconv.graph.VariableRef} (a variable with its read op),
 * tensors, {@link org.dynconv.graph.Threads} (TensorFlow's thread pools), modes.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): underneath every step: the graph, scopes and variables each step builds in.
 */
package org.dynconv.graph;

/**
 * Building blocks of a graph: {@link org.dynconv.graph.LayerScope} (names and seeds of a layer's
 * ops and variables), {@link org.dynconv.graph.VariableRef} (a variable with its read op),
 * tensors, {@link org.dynconv.graph.Threads} (TensorFlow's thread pools), modes.
 */
package org.dynconv.graph;

/**
 * The command-line tool (picocli commands).
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the command line over every step.
 */
package org.dynconv.cli;

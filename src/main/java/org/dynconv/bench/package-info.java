/**
 * Benchmarks behind the bench command: same-process ratios to static twins.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): beside every step: how fast each one runs.
 */
package org.dynconv.bench;

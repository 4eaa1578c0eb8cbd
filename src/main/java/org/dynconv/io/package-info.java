/**
 * Atomic files, properties, staging directories, and the crash tests' pause point.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): underneath train, export and serve: files written atomically.
 */
package org.dynconv.io;

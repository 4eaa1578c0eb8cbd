/**
 * Variable initialisers as Google's and the papers' code draw them.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): underneath the layers: how their variables start.
 */
package org.dynconv.init;

/**
 * The accuracy-against-cost study behind the study command.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): after train: many models trained and compared.
 */
package org.dynconv.study;

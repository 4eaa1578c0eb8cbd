/**
 * Optimizers on TensorFlow's {@code Apply*} kernels with TF1's slot names ({@code
 * <variable>/Momentum}, {@code /Adam}, {@code /Adam_1}, {@code /RMSProp}), an explicit variable
 * list and a learning rate fed per step; {@link org.dynconv.train.optim.Optimizer#minimize} makes a
 * training step for a loop of one's own.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): train.
 */
package org.dynconv.train.optim;

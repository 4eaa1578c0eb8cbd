/**
 * Labelled images for training and prediction: the {@link org.dynconv.data.ImageSource} interface
 * with in-memory ({@link org.dynconv.data.Dataset}, {@link org.dynconv.data.ArraySource}) and
 * streamed ({@link org.dynconv.data.ImageFolder}) sources, IDX files, Fashion-MNIST, image files
 * and their preprocessing, ImageNet class names.
 *
 * <p>In the data flow (input, routing, mixing, convolution, layer, block, model, then train, export
 * or serve): the input: the images that flow in.
 */
package org.dynconv.data;

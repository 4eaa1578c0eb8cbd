/**
 * Labelled images for training and prediction: the {@link org.dynconv.data.ImageSource} interface
 * with in-memory ({@link org.dynconv.data.Dataset}, {@link org.dynconv.data.ArraySource}) and
 * streamed ({@link org.dynconv.data.ImageFolder}) sources, IDX files, Fashion-MNIST, image files
 * and their preprocessing, ImageNet class names.
 */
package org.dynconv.data;

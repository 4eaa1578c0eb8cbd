/**
 * Import of Google's EfficientNet(-CondConv) checkpoints by matching their keys to dynconv's
 * variables.
 */
package org.dynconv.importer;

/**
 * SavedModel export (serving_default and routing signatures, atomic writes, BatchNorm folding) of
 * a training run or of weights.
 */
package org.dynconv.export;

/**
 * A reader of TensorFlow V2 checkpoints (the tensor bundle format), used to import Google's
 * checkpoints and to list a checkpoint's keys.
 */
package org.dynconv.checkpoint;

/**
 * Expert banks (Google CondConv's [E, P] layout) and their mixing into per-example kernels, and
 * DCD's channel fusion in its latent space.
 */
package org.dynconv.mixing;

/**
 * Variable initialisers as Google's and the papers' code draw them.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.init;

/**
 * Atomic files, properties, staging directories and fault injection for tests.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.io;

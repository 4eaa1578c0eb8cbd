/**
 * Routing and attention statistics and their pictures, for the analyze command.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.analysis;

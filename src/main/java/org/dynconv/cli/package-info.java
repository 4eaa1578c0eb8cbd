/**
 * The command-line tool (picocli commands).
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.cli;

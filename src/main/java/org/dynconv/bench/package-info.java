/**
 * Benchmarks behind the bench command: same-process ratios to static twins.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.bench;

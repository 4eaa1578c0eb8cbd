/**
 * The accuracy-against-cost study behind the study command.
 *
 * <p>Internal: not part of dynconv's supported API; it may change without notice.
 */
package org.dynconv.study;

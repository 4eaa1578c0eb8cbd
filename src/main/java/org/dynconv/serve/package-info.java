/**
 * A server for TF-Serving's REST API ({@link org.dynconv.serve.ModelServer}) on the JDK's HTTP
 * server.
 */
package org.dynconv.serve;

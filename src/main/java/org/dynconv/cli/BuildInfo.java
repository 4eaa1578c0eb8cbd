package org.dynconv.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.tensorflow.TensorFlow;

/** Versions of dynconv, TF Java and the TensorFlow runtime, read from the build. */
public record BuildInfo(String dynconv, String tensorflowJava, String tensorflowRuntime) {
  public static BuildInfo read() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/org/dynconv/build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BuildInfo(p.getProperty("dynconv.version", "unknown"),
        p.getProperty("tensorflow.java.version", "unknown"), TensorFlow.version());
  }
}

package org.dynconv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.conv.AutoTable;
import org.dynconv.graph.RuntimeSupport;
import org.dynconv.graph.Threads;
import org.tensorflow.TensorFlow;

/** What a benchmark ran on, printed and stored with every result. */
public record Machine(String cpu, int cores, String threads, String tensorflow, String java,
    String onednn) {
  public static Machine describe(Threads threads) {
    String cpu = "unknown CPU";
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          cpu = l.substring(l.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // Not Linux: keep the placeholder.
    }
    return new Machine(cpu, Runtime.getRuntime().availableProcessors(), threads.toString(),
        TensorFlow.version(), System.getProperty("java.version"),
        oneDnn() + "; " + RuntimeSupport.describe() + "; AUTO table " + AutoTable.source()
            + "; " + kernels());
  }

  /** Whether dynconv's kernel library is loaded, and a cap on its loops' instruction set. */
  private static String kernels() {
    if (!org.dynconv.conv.kernels.KernelLibrary.available()) {
      return "kernel library not loaded";
    }
    String cap = System.getenv("DYNCONV_KERNELS_ISA");
    return "kernel library loaded" + (cap == null ? "" : " (loops capped: DYNCONV_KERNELS_ISA="
        + cap + ")");
  }

  /** TF_ENABLE_ONEDNN_OPTS when set; else TensorFlow's default, which depends on the CPU. */
  private static String oneDnn() {
    String set = System.getenv("TF_ENABLE_ONEDNN_OPTS");
    if (set != null) {
      return set;
    }
    return "default (" + (RuntimeSupport.oneDnn() ? "on" : "off on this CPU") + ")";
  }

  public String line() {
    return cpu + ", " + cores + " cores; TensorFlow " + tensorflow + " (TF Java 1.1.0); Java "
        + java + "; threads " + threads + "; oneDNN " + onednn;
  }
}

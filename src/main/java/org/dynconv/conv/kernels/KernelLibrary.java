package org.dynconv.conv.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/**
 * Loads dynconv's kernel library ({@code libdynconv_kernels.so}) into this process's TensorFlow
 * once, and registers the Java gradients of its ops.
 *
 * <p>The library is a resource of the jar; it is copied to a temporary file (TensorFlow loads only
 * from a path) and handed to {@code TF_LoadLibrary}. It names {@code libtensorflow_framework.so.2}
 * as a dependency without a path, so the dynamic loader binds it to the copy TF Java has already
 * loaded. Loading never throws: {@link #status()} says whether the ops are there and, if not, why.
 */
public final class KernelLibrary {
  /** The resource the Maven build writes (src/main/c/build.sh). */
  static final String RESOURCE = "/org/dynconv/conv/kernels/linux-x86_64/libdynconv_kernels.so";

  private KernelLibrary() {}

  /**
   * Whether the library is loaded.
   *
   * @param loaded true when its ops can be used in graphs of this process
   * @param ops the op types it registered (empty when not loaded)
   * @param detail where it was loaded from, or why it was not
   */
  public record Status(boolean loaded, List<String> ops, String detail) {
    /** One line for logs and the {@code version} command. */
    public String describe() {
      return loaded ? "kernel library loaded (" + String.join(", ", ops) + ")"
          : "kernel library not loaded: " + detail;
    }
  }

  private static volatile int threads;

  /**
   * Threads each call of the library's kernels uses, baked into the ops built from now on; 0 (the
   * default) is one per CPU. The CLI sets its {@code --threads} here, as TensorFlow's intra-op
   * count: the kernels run on threads of their own, not on TensorFlow's pool.
   */
  public static void useThreads(int n) {
    if (n < 0 || n > org.dynconv.graph.Threads.MAX) {
      throw new IllegalArgumentException("KernelLibrary.useThreads: " + n + " threads; expected 0"
          + " (one per CPU) to " + org.dynconv.graph.Threads.MAX);
    }
    threads = n;
  }

  /** The threads set by {@link #useThreads} (0: one per CPU). */
  public static int threads() {
    return threads;
  }

  /** Loads the library on first call; later calls return the same status. */
  public static Status status() {
    return Holder.STATUS;
  }

  /** True when the library's ops are registered in this process. */
  public static boolean available() {
    return status().loaded();
  }

  /**
   * Writes the library's shared object (the one this jar holds) to {@code file}, for an export that
   * uses it ({@code export --kernels}): Python loads it with {@code tf.load_op_library}.
   *
   * @throws IOException when the jar has no library or the file cannot be written
   */
  public static void copyTo(Path file) throws IOException {
    try (InputStream in = KernelLibrary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("KernelLibrary: the jar has no " + RESOURCE.substring(1)
            + " to copy to '" + file + "'; expected a build with a C compiler on linux-x86_64.");
      }
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The file name an export holds the library under, in its {@code assets.extra/}. */
  public static final String FILE_NAME = "libdynconv_kernels.so";

  private static final class Holder {
    static final Status STATUS = load();
  }

  private static Status load() {
    String os = System.getProperty("os.name", "") + "-" + System.getProperty("os.arch", "");
    if (!os.equals("Linux-amd64")) {
      return new Status(false, List.of(), "built for Linux-amd64 only; this JVM runs on " + os);
    }
    Path file;
    try (InputStream in = KernelLibrary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return new Status(false, List.of(), "the jar has no " + RESOURCE.substring(1)
            + " (it was built without a C compiler; see the README's requirements)");
      }
      file = Files.createTempFile("dynconv-kernels-", ".so");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      return new Status(false, List.of(), "could not copy " + RESOURCE.substring(1)
          + " to a temporary file: " + e.getMessage());
    }
    OpList list;
    try {
      list = TensorFlow.loadLibrary(file.toString());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return new Status(false, List.of(), "TensorFlow could not load " + file + ": " + e.getMessage());
    }
    List<String> ops = new ArrayList<>();
    for (OpDef op : list.getOpList()) {
      ops.add(op.getName());
    }
    Gradients.register();
    return new Status(true, List.copyOf(ops), file.toString());
  }
}

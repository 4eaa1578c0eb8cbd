package org.dynconv.train.distributed;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * A {@link Session} on a {@code grpc://host:port} target. TF Java 1.1.0 has no public constructor
 * taking a target (every public one passes none and gets a local DirectSession), so this builds the
 * native session with the C API's {@code TF_SetTarget}, as {@code Session}'s own allocation does
 * without the target, and wraps it with Session's package-private constructor. That constructor
 * does not auto-initialise: call {@link Session#initialize()} or {@link Session#restore}.
 */
public final class GrpcSessions {
  private GrpcSessions() {}

  /**
   * @param target {@code grpc://host:port}, exactly as in the cluster (then TensorFlow serves a
   *     session on the process's own server without a network hop)
   */
  public static Session open(Graph graph, String target, ConfigProto config) {
    AutoCloseable ref;
    try {
      Method m = Graph.class.getDeclaredMethod("ref");
      m.setAccessible(true);
      ref = (AutoCloseable) m.invoke(graph);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("GrpcSessions: this TensorFlow Java has no Graph.ref();"
          + " expected version 1.1.0.", e);
    }
    TF_Session native_;
    // The reference keeps the graph's handle alive while the native session is created.
    try (PointerScope scope = new PointerScope()) {
      Method h = ref.getClass().getDeclaredMethod("nativeHandle");
      h.setAccessible(true);
      TF_Graph handle = (TF_Graph) h.invoke(ref);
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions opts = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(opts, target);
      BytePointer b = new BytePointer(config.toByteArray());
      TF_SetConfig(opts, b, b.capacity(), status);
      status.throwExceptionIfNotOK();
      native_ = TF_Session.newSession(handle, opts, status);
      status.throwExceptionIfNotOK();
      native_.retainReference();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("GrpcSessions: this TensorFlow Java has no"
          + " Graph.Reference.nativeHandle(); expected version 1.1.0.", e);
    } finally {
      closeQuietly(ref);
    }
    try {
      Constructor<Session> c = Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
      c.setAccessible(true);
      return c.newInstance(graph, native_);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("GrpcSessions: this TensorFlow Java has no"
          + " Session(Graph, TF_Session); expected version 1.1.0.", e);
    }
  }

  private static void closeQuietly(AutoCloseable ref) {
    try {
      ref.close();
    } catch (Exception e) {
      // Closing a graph reference only lowers a count; it does not fail.
    }
  }
}

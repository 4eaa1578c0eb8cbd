package org.dynconv.io;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A record of strings and primitive numbers as ordered key-value pairs (for {@code .properties}
 * files) and back, keyed by component name, so a new field needs no serialisation code.
 */
public final class RecordProperties {
  private RecordProperties() {}

  /** The components of {@code r} in declaration order, each as {@code String.valueOf}. */
  public static Map<String, String> toMap(Record r) {
    Map<String, String> m = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      try {
        m.put(c.getName(), String.valueOf(c.getAccessor().invoke(r)));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("RecordProperties: cannot read " + c.getName(), e);
      }
    }
    return m;
  }

  /**
   * The record of type {@code type} that {@link #toMap} wrote; the canonical constructor validates.
   *
   * @param source names the file in errors
   * @throws IllegalStateException naming {@code source} and the key when one is missing or malformed
   */
  public static <R extends Record> R fromMap(Class<R> type, Map<String, String> m, String source) {
    RecordComponent[] cs = type.getRecordComponents();
    Object[] args = new Object[cs.length];
    Class<?>[] types = new Class<?>[cs.length];
    for (int i = 0; i < cs.length; i++) {
      String key = cs[i].getName(), v = m.get(key);
      types[i] = cs[i].getType();
      if (v == null) {
        throw new IllegalStateException(type.getSimpleName() + ": '" + source + "' has no '" + key
            + "' entry.");
      }
      try {
        args[i] = parse(types[i], v);
      } catch (NumberFormatException e) {
        throw new IllegalStateException(type.getSimpleName() + ": '" + source
            + "' has a malformed number (" + e.getMessage() + ").");
      }
    }
    try {
      return type.getDeclaredConstructor(types).newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("RecordProperties: cannot construct " + type.getName(), e);
    }
  }

  private static Object parse(Class<?> t, String v) {
    if (t == String.class) {
      return v;
    } else if (t == int.class) {
      return Integer.parseInt(v);
    } else if (t == long.class) {
      return Long.parseLong(v);
    } else if (t == double.class) {
      return Double.parseDouble(v);
    } else if (t == boolean.class) {
      return Boolean.parseBoolean(v);
    }
    throw new IllegalArgumentException("RecordProperties: component type " + t + " is not supported;"
        + " expected String, int, long, double or boolean.");
  }
}

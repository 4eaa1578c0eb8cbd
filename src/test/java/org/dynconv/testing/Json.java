package org.dynconv.testing;

import java.util.List;
import java.util.Map;

/** A minimal JSON writer for test fixtures exchanged with the Python tests (floats round-trip). */
public final class Json {
  private Json() {}

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb);
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static void write(Object v, StringBuilder sb) {
    if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<Object, Object>) m).entrySet()) {
        sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":");
        write(e.getValue(), sb);
        first = false;
      }
      sb.append('}');
    } else if (v instanceof float[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) {
        sb.append(i == 0 ? "" : ",").append(Float.toString(a[i]));
      }
      sb.append(']');
    } else if (v instanceof long[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) {
        sb.append(i == 0 ? "" : ",").append(a[i]);
      }
      sb.append(']');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(l.get(i), sb);
      }
      sb.append(']');
    } else if (v instanceof String s) {
      sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    } else {
      sb.append(v);
    }
  }

  /** Reads the float array under {@code key} from a flat JSON object written by Python. */
  public static float[] readFloats(String json, String key) {
    int k = json.indexOf("\"" + key + "\"");
    int open = json.indexOf('[', k), close = json.indexOf(']', open);
    String[] parts = json.substring(open + 1, close).split(",");
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Float.parseFloat(parts[i].trim());
    }
    return out;
  }
}

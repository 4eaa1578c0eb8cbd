package org.dynconv.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.infer.Predictor.FloatTensor;

/**
 * Float tensors to and from JSON as TF-Serving's REST API writes them: nested arrays in row-major
 * order, a scalar as a number.
 */
final class JsonTensors {
  private static final java.util.Set<String> NON_FINITE = java.util.Set.of("NaN", "Infinity",
      "-Infinity");

  private JsonTensors() {}

  /**
   * A rectangular nested array of numbers as a tensor.
   *
   * @param what names the value in errors ("input 'images' of instance 3")
   */
  static FloatTensor read(JsonElement e, String what) {
    List<Long> shape = new ArrayList<>();
    JsonElement probe = e;
    while (probe.isJsonArray()) {
      JsonArray a = probe.getAsJsonArray();
      shape.add((long) a.size());
      if (a.isEmpty()) {
        break;
      }
      probe = a.get(0);
    }
    long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(what + " is too large.");
    }
    float[] values = new float[(int) n];
    int[] at = {0};
    fill(e, 0, dims, values, at, what);
    return new FloatTensor(dims, values);
  }

  private static void fill(JsonElement e, int depth, long[] dims, float[] out, int[] at,
      String what) {
    if (depth == dims.length) {
      if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
          && NON_FINITE.contains(e.getAsString())) {
        // TF-Serving reads NaN and Infinity, which JSON lacks, as numbers; so does this.
        out[at[0]++] = Float.parseFloat(e.getAsString());
        return;
      }
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
        throw new IllegalArgumentException(what + " holds " + describe(e) + " where a number was"
            + " expected; only float32 tensors are served.");
      }
      out[at[0]++] = e.getAsFloat();
      return;
    }
    if (!e.isJsonArray() || e.getAsJsonArray().size() != dims[depth]) {
      throw new IllegalArgumentException(what + " is not a rectangular array: a list at depth "
          + depth + " has " + (e.isJsonArray() ? e.getAsJsonArray().size() + " elements" : "no"
          + " elements (" + describe(e) + ")") + " where " + dims[depth] + " were expected.");
    }
    for (JsonElement c : e.getAsJsonArray()) {
      fill(c, depth + 1, dims, out, at, what);
    }
  }

  private static String describe(JsonElement e) {
    if (e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "a list";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isString() ? "a string" : p.isBoolean() ? "a boolean" : "a number";
  }

  /** Example {@code i} of a batched tensor (its first axis dropped), as nested arrays. */
  static JsonElement example(FloatTensor t, int i) {
    long[] s = t.shape();
    long[] inner = java.util.Arrays.copyOfRange(s, 1, s.length);
    int size = 1;
    for (long d : inner) {
      size *= (int) d;
    }
    int[] at = {i * size};
    return write(t.values(), inner, 0, at);
  }

  /** A whole tensor as nested arrays. */
  static JsonElement write(FloatTensor t) {
    return write(t.values(), t.shape(), 0, new int[] {0});
  }

  private static JsonElement write(float[] v, long[] dims, int depth, int[] at) {
    if (depth == dims.length) {
      return new JsonPrimitive(v[at[0]++]);
    }
    JsonArray a = new JsonArray((int) dims[depth]);
    for (long k = 0; k < dims[depth]; k++) {
      a.add(write(v, dims, depth + 1, at));
    }
    return a;
  }

  /** Stacks equally shaped examples into one batch tensor {@code [n, ...]}. */
  static FloatTensor stack(List<FloatTensor> examples, String what) {
    long[] first = examples.get(0).shape();
    int size = examples.get(0).values().length;
    float[] all = new float[size * examples.size()];
    for (int i = 0; i < examples.size(); i++) {
      FloatTensor e = examples.get(i);
      if (!java.util.Arrays.equals(e.shape(), first)) {
        throw new IllegalArgumentException(what + ": instance " + i + " has shape "
            + java.util.Arrays.toString(e.shape()) + " but instance 0 has "
            + java.util.Arrays.toString(first) + "; every instance must have the same shape.");
      }
      System.arraycopy(e.values(), 0, all, i * size, size);
    }
    long[] shape = new long[first.length + 1];
    shape[0] = examples.size();
    System.arraycopy(first, 0, shape, 1, first.length);
    return new FloatTensor(shape, all);
  }
}

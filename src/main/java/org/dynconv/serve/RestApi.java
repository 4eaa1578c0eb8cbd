package org.dynconv.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dynconv.data.DataFormatError;
import org.dynconv.data.ImageFiles;
import org.dynconv.data.Preprocess;
import org.dynconv.infer.Predictor;
import org.dynconv.infer.Predictor.FloatTensor;
import org.tensorflow.Signature;

/**
 * TF-Serving's REST API (https://www.tensorflow.org/tfx/serving/api_rest) for the models of a
 * {@link ModelServer}:
 *
 * <ul>
 *   <li>{@code GET /v1/models/NAME[/versions/V]}: {@code {"model_version_status": [...]}};
 *   <li>{@code GET /v1/models/NAME[/versions/V]/metadata}: the signature defs;
 *   <li>{@code POST /v1/models/NAME[/versions/V]:predict} with {@code {"signature_name": S,
 *       "instances": [...]}} (row format, answered {@code {"predictions": [...]}}) or {@code
 *       {"inputs": ...}} (columnar, answered {@code {"outputs": ...}}); an input value may be
 *       {@code {"b64": "<encoded image>"}}, decoded and preprocessed to the model's input.
 * </ul>
 *
 * The HTTP side (connections, timeouts, body limits) is {@link RestServer}'s; this class maps a
 * request read whole to its reply. Errors are {@code {"error": "<one line>"}} with TF-Serving's
 * status codes: 400 for an invalid argument (malformed JSON, wrong shape or dtype, NaN, unknown
 * signature, too large a batch), 404 for an unknown model, version or path, 413 for a body over
 * the limit, 503 when the requests in flight reach the limit, 500 for anything else.
 */
final class RestApi {
  /**
   * The most examples one session run computes; a larger request runs in parts of this size, so
   * a request's working set is bounded whatever its batch (a 1,000-image request to the small CNN
   * grew the server from 0.6 to 2.8 GB resident in one run, and it stayed there).
   */
  static final int ROWS_PER_RUN = 64;

  private static final Pattern PATH = Pattern.compile(
      "/v1/models/([^/:]+)(?:/versions/(\\d+))?(/metadata|:predict|:classify|:regress)?");
  private final Map<String, ServedModel> models;
  private final Runs runs;
  private final int maxBatch;
  private final long maxPixels;
  private final Preprocess preprocess;

  /** @param runs how predictions run, shared with the gRPC API */
  RestApi(Map<String, ServedModel> models, Runs runs, int maxBatch, Preprocess preprocess,
      long maxPixels) {
    this.maxPixels = maxPixels;
    this.models = models;
    this.runs = runs;
    this.maxBatch = maxBatch;
    this.preprocess = preprocess;
  }

  /** An error with its HTTP status. */
  static final class ApiError extends RuntimeException {
    final int status;

    ApiError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** A reply: its HTTP status and JSON body. */
  record Reply(int status, byte[] json) {
    static Reply of(int status, JsonElement body) {
      return new Reply(status, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** TF-Serving's error body, {@code {"error": "<one line>"}}. */
    static Reply error(int status, String message) {
      JsonObject o = new JsonObject();
      o.addProperty("error", message == null ? "" : message.replace('\n', ' '));
      return of(status, o);
    }
  }

  /**
   * Answers one request, read whole by the transport ({@link RestServer}).
   *
   * @param body the request body (empty for GET)
   */
  Reply handle(String method, String path, byte[] body) {
    try {
      return Reply.of(200, route(method, path, body));
    } catch (ApiError e) {
      return Reply.error(e.status, e.getMessage());
    } catch (IllegalArgumentException | DataFormatError e) {
      return Reply.error(400, e.getMessage());
    } catch (RuntimeException e) {
      return Reply.error(500, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private JsonElement route(String method, String path, byte[] body) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      throw new ApiError(404, "Malformed request: " + method + " " + path);
    }
    String name = m.group(1), action = m.group(3) == null ? "" : m.group(3);
    Long version = m.group(2) == null ? null : Long.parseLong(m.group(2));
    boolean post = action.startsWith(":");
    if (!method.equals(post ? "POST" : "GET")) {
      throw new ApiError(404, "Malformed request: " + method + " " + path);
    }
    ServedModel model = models.get(name);
    if (model == null) {
      throw new ApiError(404, "Servable not found for request: " + (version == null ? "Latest("
          + name + ")" : "Specific(" + name + ", " + version + ")"));
    }
    if (post) {
      // The body is parsed and checked before the request takes a slot of --max-concurrent, so a
      // malformed request never holds one: a slot is taken only to run the model.
      JsonElement request = parse(body);
      return withVersion(model, version, v -> action.equals(":predict")
          ? predict(v.predictor(), request) : refuseNonPredict(v.predictor(), request, action));
    }
    return withVersion(model, version, v -> action.isEmpty() ? status(v)
        : metadata(name, v));
  }

  /**
   * {@code :classify} and {@code :regress} need a signature whose method is
   * tensorflow/serving/classify or /regress (inputs of serialized tf.Examples); dynconv's exports
   * have predict signatures only, so TF-Serving answers these requests with INVALID_ARGUMENT (400)
   * and the same messages as here.
   */
  private static JsonElement refuseNonPredict(Predictor p, JsonElement request, String action) {
    String key = Signature.DEFAULT_KEY;
    if (request.isJsonObject() && request.getAsJsonObject().has("signature_name")
        && !request.getAsJsonObject().get("signature_name").isJsonNull()) {
      key = request.getAsJsonObject().get("signature_name").getAsString();
    }
    throw refusal(p, key, action.equals(":classify"));
  }

  /**
   * TF-Serving's INVALID_ARGUMENT for a Classify or Regress request on signature {@code key}, which
   * is not a classification or regression signature (or does not exist).
   */
  static ApiError refusal(Predictor p, String key, boolean classify) {
    String wanted = key.isEmpty() ? Signature.DEFAULT_KEY : key;
    Signature sig = p.signatures().stream().filter(s -> s.key().equals(wanted)).findFirst()
        .orElse(null);
    if (sig == null) {
      return new ApiError(400, "No signature was found with the name: " + wanted);
    }
    return new ApiError(400, "Expected " + (classify ? "classification" : "regression")
        + " signature method_name to be tensorflow/serving/" + (classify ? "classify" : "regress")
        + ". Was: " + sig.methodName());
  }

  /**
   * Runs {@code call} on the served version of {@code model} (version null: whichever is served),
   * holding it so that a newer version swapping in does not close it meanwhile.
   */
  static <T> T withVersion(ServedModel model, Long version, Function<ServedVersion, T> call) {
    ServedVersion v = model.current();
    if (v == null || !v.acquire()) {
      throw new ApiError(503, "model '" + model.name() + "' is being unloaded");
    }
    try {
      if (version != null && version != v.version()) {
        throw new ApiError(404, "Servable not found for request: Specific(" + model.name() + ", "
            + version + "); serving version " + v.version());
      }
      return call.apply(v);
    } finally {
      v.release();
    }
  }

  private static JsonElement status(ServedVersion v) {
    JsonObject st = new JsonObject();
    st.addProperty("error_code", "OK");
    st.addProperty("error_message", "");
    JsonObject one = new JsonObject();
    one.addProperty("version", Long.toString(v.version()));
    one.addProperty("state", "AVAILABLE");
    one.add("status", st);
    JsonArray all = new JsonArray();
    all.add(one);
    JsonObject out = new JsonObject();
    out.add("model_version_status", all);
    return out;
  }

  private static JsonElement metadata(String name, ServedVersion v) {
    JsonObject defs = new JsonObject();
    for (Signature s : v.predictor().signatures()) {
      JsonObject sig = new JsonObject();
      sig.add("inputs", tensorInfos(s.getInputs()));
      sig.add("outputs", tensorInfos(s.getOutputs()));
      sig.addProperty("method_name", s.methodName());
      defs.add(s.key(), sig);
    }
    JsonObject wrapped = new JsonObject();
    wrapped.add("signature_def", defs);
    JsonObject metadata = new JsonObject();
    metadata.add("signature_def", wrapped);
    JsonObject spec = new JsonObject();
    spec.addProperty("name", name);
    spec.addProperty("signature_name", "");
    spec.addProperty("version", Long.toString(v.version()));
    JsonObject out = new JsonObject();
    out.add("model_spec", spec);
    out.add("metadata", metadata);
    return out;
  }

  private static JsonObject tensorInfos(Map<String, Signature.TensorDescription> ts) {
    JsonObject out = new JsonObject();
    ts.forEach((k, d) -> {
      JsonArray dims = new JsonArray();
      for (int i = 0; i < d.shape.numDimensions(); i++) {
        JsonObject dim = new JsonObject();
        dim.addProperty("size", Long.toString(d.shape.size(i)));
        dim.addProperty("name", "");
        dims.add(dim);
      }
      JsonObject shape = new JsonObject();
      shape.add("dim", dims);
      shape.addProperty("unknown_rank", d.shape.isUnknown());
      JsonObject info = new JsonObject();
      info.addProperty("dtype", d.dataType.name());
      info.add("tensor_shape", shape);
      info.addProperty("name", d.name);
      out.add(k, info);
    });
    return out;
  }

  private JsonElement predict(Predictor p, JsonElement request) {
    if (!request.isJsonObject()) {
      throw new IllegalArgumentException("the request must be a JSON object with \"instances\" or"
          + " \"inputs\"");
    }
    JsonObject req = request.getAsJsonObject();
    String key = req.has("signature_name") && !req.get("signature_name").isJsonNull()
        ? req.get("signature_name").getAsString() : Signature.DEFAULT_KEY;
    Signature sig = p.signatures().stream().filter(s -> s.key().equals(key)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Serving signature name: \"" + key
            + "\" not found in signature def; expected one of "
            + p.signatures().stream().map(Signature::key).toList()));
    boolean rows = req.has("instances"), columns = req.has("inputs");
    if (rows == columns) {
      throw new IllegalArgumentException("the request must have exactly one of \"instances\" (row"
          + " format) and \"inputs\" (columnar format)");
    }
    List<String> names = new ArrayList<>(sig.getInputs().keySet());
    Map<String, FloatTensor> inputs = rows ? fromRows(req.get("instances"), sig, names)
        : fromColumns(req.get("inputs"), sig, names);
    long batch = inputs.values().iterator().next().shape()[0];
    Map<String, FloatTensor> outputs = runs.run(p, key, inputs);
    JsonObject out = new JsonObject();
    if (rows) {
      JsonArray preds = new JsonArray();
      for (int i = 0; i < batch; i++) {
        if (outputs.size() == 1) {
          preds.add(JsonTensors.example(outputs.values().iterator().next(), i));
        } else {
          JsonObject o = new JsonObject();
          final int at = i;
          outputs.forEach((k, t) -> o.add(k, JsonTensors.example(t, at)));
          preds.add(o);
        }
      }
      out.add("predictions", preds);
    } else if (outputs.size() == 1) {
      out.add("outputs", JsonTensors.write(outputs.values().iterator().next()));
    } else {
      JsonObject o = new JsonObject();
      outputs.forEach((k, t) -> o.add(k, JsonTensors.write(t)));
      out.add("outputs", o);
    }
    return out;
  }

  private Map<String, FloatTensor> fromRows(JsonElement instances, Signature sig,
      List<String> names) {
    if (!instances.isJsonArray() || instances.getAsJsonArray().isEmpty()) {
      throw new IllegalArgumentException("\"instances\" must be a non-empty list");
    }
    JsonArray list = instances.getAsJsonArray();
    if (list.size() > maxBatch) {
      throw new IllegalArgumentException("a batch of " + list.size() + " exceeds the limit of "
          + maxBatch + " (--max-batch)");
    }
    Map<String, List<FloatTensor>> per = new LinkedHashMap<>();
    names.forEach(n -> per.put(n, new ArrayList<>()));
    for (int i = 0; i < list.size(); i++) {
      JsonElement inst = list.get(i);
      boolean named = inst.isJsonObject() && !inst.getAsJsonObject().has("b64");
      if (!named && names.size() != 1) {
        throw new IllegalArgumentException("instance " + i + " must be an object naming the inputs "
            + names);
      }
      for (String n : names) {
        JsonElement v = named ? inst.getAsJsonObject().get(n) : inst;
        if (v == null) {
          throw new IllegalArgumentException("instance " + i + " has no input '" + n + "'");
        }
        per.get(n).add(value(v, sig.getInputs().get(n), "input '" + n + "' of instance " + i,
            false));
      }
    }
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    per.forEach((n, l) -> out.put(n, JsonTensors.stack(l, "input '" + n + "'")));
    return out;
  }

  private Map<String, FloatTensor> fromColumns(JsonElement inputs, Signature sig,
      List<String> names) {
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    boolean named = inputs.isJsonObject() && !inputs.getAsJsonObject().has("b64");
    if (!named && names.size() != 1) {
      throw new IllegalArgumentException("\"inputs\" must be an object naming the inputs " + names);
    }
    for (String n : names) {
      JsonElement v = named ? inputs.getAsJsonObject().get(n) : inputs;
      if (v == null) {
        throw new IllegalArgumentException("\"inputs\" has no input '" + n + "'");
      }
      out.put(n, value(v, sig.getInputs().get(n), "input '" + n + "'", true));
    }
    return out;
  }

  /**
   * One input value: nested numbers, or an encoded image ({@code {"b64": ...}}, or a list of them
   * in columnar form) for a 4-axis image input.
   */
  private FloatTensor value(JsonElement v, Signature.TensorDescription d, String what,
      boolean batched) {
    boolean image = d.shape.numDimensions() == 4;
    if (image && v.isJsonObject() && v.getAsJsonObject().has("b64")) {
      float[] px = decode(v.getAsJsonObject(), d, what);
      long[] shape = {d.shape.size(1), d.shape.size(2), d.shape.size(3)};
      return batched ? new FloatTensor(new long[] {1, shape[0], shape[1], shape[2]}, px)
          : new FloatTensor(shape, px);
    }
    if (image && batched && v.isJsonArray() && !v.getAsJsonArray().isEmpty()
        && v.getAsJsonArray().get(0).isJsonObject()) {
      List<FloatTensor> images = new ArrayList<>();
      JsonArray a = v.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) {
        images.add(value(a.get(i), d, what + "[" + i + "]", false));
      }
      return JsonTensors.stack(images, what);
    }
    return JsonTensors.read(v, what);
  }

  private float[] decode(JsonObject b64, Signature.TensorDescription d, String what) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(b64.get("b64").getAsString());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      throw new IllegalArgumentException(what + " has a \"b64\" value that is not base64");
    }
    return ImageFiles.decode(bytes, (int) d.shape.size(1), (int) d.shape.size(2),
        (int) d.shape.size(3), preprocess, what, maxPixels);
  }

  private static JsonElement parse(byte[] body) {
    try {
      JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      if (e.isJsonNull()) {
        throw new IllegalArgumentException("the request body is empty; expected a JSON object");
      }
      return e;
    } catch (JsonParseException e) {
      String m = e.getMessage() == null ? "" : e.getMessage().split("\n")[0];
      throw new IllegalArgumentException("malformed JSON: " + m);
    }
  }
}

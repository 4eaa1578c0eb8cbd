package org.dynconv.infer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.data.ImageSource;
import org.dynconv.graph.Tensors;
import org.dynconv.models.BatchCopies;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel loaded for prediction through its {@code serving_default} signature (input {@code
 * images} float32 {@code [-1,H,W,C]}, outputs {@code probabilities} and {@code logits}), the way
 * any TensorFlow Java user would load it. A batch whose size has a static-batch copy in the
 * export ({@code serving_default_batch_N}, {@code routing_batch_N}; see {@link BatchCopies}) runs
 * that copy instead: the same outputs, from strategies that need a known batch.
 *
 * <p>Thread-safe: {@link #predict} may be called concurrently from many threads (each call builds
 * its own runner and closes its own tensors); {@link #close} must not overlap with calls.
 */
public final class Predictor implements AutoCloseable {
  private final Path dir;
  private final SavedModelBundle bundle;
  /** Every signature of the export by key; filled once in the constructor, read-only after. */
  private final Map<String, Signature> signatures = new java.util.LinkedHashMap<>();
  private final int height;
  private final int width;
  private final int channels;
  private final List<String> labels;

  private Predictor(Path dir, SavedModelBundle bundle) {
    this.dir = dir;
    this.bundle = bundle;
    Signature sig = bundle.signatures().stream()
        .filter(s -> s.key().equals(Signature.DEFAULT_KEY)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Predictor: SavedModel '" + dir
            + "' has no serving_default signature; expected one with input 'images'."));
    Map<String, Signature.TensorDescription> in = sig.getInputs();
    Map<String, Signature.TensorDescription> out = sig.getOutputs();
    Signature.TensorDescription images = in.get("images");
    if (images == null || images.dataType != DataType.DT_FLOAT || images.shape.numDimensions() != 4
        || !out.containsKey("probabilities")) {
      throw new IllegalArgumentException("Predictor: SavedModel '" + dir + "' serving_default has"
          + " inputs " + in.keySet() + " and outputs " + out.keySet() + "; expected input 'images'"
          + " float32 [-1,H,W,C] and output 'probabilities'.");
    }
    bundle.signatures().forEach(x -> signatures.put(x.key(), x));
    this.height = (int) images.shape.size(1);
    this.width = (int) images.shape.size(2);
    this.channels = (int) images.shape.size(3);
    this.labels = readLabels(dir);
  }

  /**
   * Loads {@code dir} (a SavedModel directory holding saved_model.pb).
   *
   * @throws IllegalArgumentException naming the directory when it is not a loadable SavedModel
   */
  public static Predictor load(Path dir) {
    return load(dir, org.dynconv.graph.Threads.defaults());
  }

  /** As {@link #load(Path)} with TensorFlow thread pools of the given sizes. */
  public static Predictor load(Path dir, org.dynconv.graph.Threads threads) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("Predictor: '" + dir + "' has no saved_model.pb; expected a"
          + " SavedModel directory (from 'export').");
    }
    if (Files.exists(dir.resolve("assets.extra").resolve(KernelLibrary.FILE_NAME))
        && !KernelLibrary.available()) {
      // An export made with --kernels: its graph holds dynconv's ops, which only the library
      // registers (this process loads the jar's own copy, not the export's).
      throw new IllegalArgumentException("Predictor: SavedModel '" + dir + "' uses dynconv's"
          + " kernel library (assets.extra/" + KernelLibrary.FILE_NAME + "), and the "
          + KernelLibrary.status().describe() + "; expected an export made without --kernels.");
    }
    SavedModelBundle b;
    try {
      b = SavedModelBundle.loader(dir.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
          .withConfigProto(threads.config()).load();
    } catch (TensorFlowException | IllegalArgumentException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().split("\n")[0];
      throw new IllegalArgumentException("Predictor: SavedModel '" + dir + "' cannot be loaded: " + m,
          e);
    }
    try {
      return new Predictor(dir, b);
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
  }

  /**
   * Class probabilities {@code [n, classes]} for {@code n} images of {@code H*W*C} float pixels
   * in 0..255 each, row-major NHWC.
   *
   * @throws IllegalArgumentException when the array length does not match or a pixel is NaN or
   *     infinite
   */
  public float[] predict(float[] pixels, int n) {
    return run(pixels, n, "probabilities");
  }

  /** Logits {@code [n, classes]}, when the signature exports them. */
  public float[] logits(float[] pixels, int n) {
    if (!signatures.get(Signature.DEFAULT_KEY).getOutputs().containsKey("logits")) {
      throw new IllegalStateException("Predictor: SavedModel '" + dir + "' exports no logits.");
    }
    return run(pixels, n, "logits");
  }

  /**
   * The signature that runs {@code key} for a batch of {@code n}: {@code <key>_batch_<n>} when the
   * export has that static-batch copy (see {@link BatchCopies}), else {@code key} itself. Both
   * compute the same outputs; the copy is faster at exactly {@code n} images.
   */
  public String signatureFor(String key, long n) {
    String copy = BatchCopies.signatureKey(key, n);
    return signatures.containsKey(copy) ? copy : key;
  }

  /**
   * The routing weights of every conditional layer over its experts or kernels, by layer scope,
   * from the {@code routing} signature; empty for a model without one. DCD's and ODConv's other
   * attentions are in {@link #attentions}.
   */
  public Map<String, float[]> routing(float[] pixels, int n) {
    Map<String, float[]> all = attentions(pixels, n);
    all.keySet().removeIf(k -> !org.dynconv.routing.RoutingOutputs.isRoutingKey(k));
    return all;
  }

  /**
   * Every output of the {@code routing} signature, by key: routing weights (by layer scope) and
   * the other attentions ({@code <scope>/lambda}, {@code <scope>/phi}, {@code
   * <scope>/channel_attention}, ...; see {@link org.dynconv.routing.RoutingOutputs}).
   */
  public Map<String, float[]> attentions(float[] pixels, int n) {
    if (!signatures.containsKey("routing")) {
      return Map.of();
    }
    checkPixels(pixels, n);
    Signature sig = signatures.get(signatureFor("routing", n));
    // Layers that share one routing tensor share one fetch (a result may not hold a name twice).
    List<String> tensors = new java.util.ArrayList<>();
    Map<String, Integer> slot = new java.util.LinkedHashMap<>();
    new java.util.TreeMap<>(sig.getOutputs()).forEach((key, t) -> {
      if (!tensors.contains(t.name)) {
        tensors.add(t.name);
      }
      slot.put(key, tensors.indexOf(t.name));
    });
    try (TFloat32 in = Tensors.of(Shape.of(n, height, width, channels), pixels)) {
      var runner = bundle.session().runner().feed(sig.getInputs().get("images").name, in);
      tensors.forEach(runner::fetch);
      try (Result r = runner.run()) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        slot.forEach((key, i) -> out.put(key, Tensors.toArray((TFloat32) r.get(i))));
        return out;
      }
    }
  }

  private float[] run(float[] pixels, int n, String output) {
    checkPixels(pixels, n);
    Signature sig = signatures.get(signatureFor(Signature.DEFAULT_KEY, n));
    try (TFloat32 in = Tensors.of(Shape.of(n, height, width, channels), pixels);
        Result r = bundle.session().runner().feed(sig.getInputs().get("images").name, in)
            .fetch(sig.getOutputs().get(output).name).run()) {
      return Tensors.toArray((TFloat32) r.get(0));
    }
  }

  private void checkPixels(float[] pixels, int n) {
    long expected = (long) n * height * width * channels;
    if (n < 1 || pixels.length != expected) {
      throw new IllegalArgumentException("Predictor: got " + pixels.length + " pixel values for " + n
          + " images; expected " + expected + " (" + n + " x " + height + "x" + width + "x" + channels
          + ").");
    }
    for (int i = 0; i < pixels.length; i++) {
      if (!Float.isFinite(pixels[i])) {
        throw new IllegalArgumentException("Predictor: pixel " + i + " (image " + (i / (height
            * width * channels)) + ") is " + pixels[i] + "; expected a finite value in 0..255.");
      }
    }
  }

  private static List<String> readLabels(Path dir) {
    Path f = dir.resolve("assets.extra").resolve("labels.txt");
    try {
      return Files.isRegularFile(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList()
          : List.of();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /** The class names of assets.extra/labels.txt, in label order (empty without the file). */
  public List<String> labels() {
    return labels;
  }

  /** The SavedModel directory. */
  public Path dir() {
    return dir;
  }

  /**
   * Top-1 accuracy on {@code data}: the share of its images whose most probable class is their
   * label, predicted {@code batch} images at a time (read from the source as needed).
   */
  public double accuracy(ImageSource data, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("Predictor.accuracy: batch is " + batch
          + "; expected >= 1.");
    }
    long correct = 0;
    for (int from = 0; from < data.size(); from += batch) {
      int n = Math.min(batch, data.size() - from);
      float[] probs = predict(data.floatPixels(from, n), n);
      int classes = probs.length / n;
      for (int i = 0; i < n; i++) {
        if (argMax(probs, i, classes) == data.label(from + i)) {
          correct++;
        }
      }
    }
    return (double) correct / data.size();
  }

  /** The index of the largest of {@code scores[row*classes .. row*classes+classes-1]}. */
  public static int argMax(float[] scores, int row, int classes) {
    int best = 0;
    for (int i = 1; i < classes; i++) {
      if (scores[row * classes + i] > scores[row * classes + best]) {
        best = i;
      }
    }
    return best;
  }

  /** A float32 tensor: its shape and its values, row-major. */
  public record FloatTensor(long[] shape, float[] values) {
    public FloatTensor {
      if (Shape.of(shape).size() != values.length) {
        throw new IllegalArgumentException("FloatTensor: shape " + Shape.of(shape) + " holds "
            + Shape.of(shape).size() + " values; received " + values.length + ".");
      }
    }
  }

  /** The loaded model's signatures. */
  public List<Signature> signatures() {
    return bundle.signatures();
  }

  /**
   * Runs signature {@code key} on float32 inputs given by input name and returns every output by
   * name. Inputs must match the signature's names, ranks and static dimensions and be finite;
   * every input and output must be float32 (dynconv's exports are).
   *
   * @throws IllegalArgumentException naming the signature, input and what was expected
   */
  /**
   * As {@link #run(String, Map)}, running at most {@code maxRows} examples at a time and joining
   * the outputs along the batch: a large request costs time in proportion to its size, but its
   * working set (TensorFlow's activations, the per-example kernels) stays that of {@code maxRows}
   * examples, and the memory TensorFlow's allocator keeps after it stays small.
   */
  public Map<String, FloatTensor> run(String key, Map<String, FloatTensor> inputs, int maxRows) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("Predictor: maxRows=" + maxRows + " is invalid; expected"
          + " >= 1.");
    }
    long batch = -1;
    for (FloatTensor t : inputs.values()) {
      if (t.shape().length == 0 || (batch >= 0 && t.shape()[0] != batch)) {
        return run(key, inputs); // its checks name the problem
      }
      batch = t.shape()[0];
    }
    if (batch <= maxRows) {
      return run(key, inputs);
    }
    final long total = batch;
    Map<String, float[]> joined = new java.util.LinkedHashMap<>();
    Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
    for (long from = 0; from < batch; from += maxRows) {
      long rows = Math.min(maxRows, batch - from);
      Map<String, FloatTensor> part = new java.util.LinkedHashMap<>();
      for (var e : inputs.entrySet()) {
        part.put(e.getKey(), rowsOf(e.getValue(), batch, from, rows));
      }
      for (var e : run(key, part).entrySet()) {
        FloatTensor t = e.getValue();
        int rowSize = (int) (t.values().length / rows);
        float[] all = joined.computeIfAbsent(e.getKey(), k -> new float[(int) (total * rowSize)]);
        System.arraycopy(t.values(), 0, all, (int) (from * rowSize), t.values().length);
        long[] shape = t.shape().clone();
        shape[0] = batch;
        shapes.put(e.getKey(), shape);
      }
    }
    Map<String, FloatTensor> out = new java.util.LinkedHashMap<>();
    joined.forEach((k, v) -> out.put(k, new FloatTensor(shapes.get(k), v)));
    return out;
  }

  /** Rows {@code [from, from + rows)} of {@code t}, whose first dimension is {@code batch}. */
  private static FloatTensor rowsOf(FloatTensor t, long batch, long from, long rows) {
    int rowSize = (int) (t.values().length / batch);
    long[] shape = t.shape().clone();
    shape[0] = rows;
    return new FloatTensor(shape, java.util.Arrays.copyOfRange(t.values(), (int) (from * rowSize),
        (int) ((from + rows) * rowSize)));
  }

  /**
   * Checks {@code inputs} against signature {@code key} (its input names, float32, shapes where
   * static, one batch size, finite values, float32 outputs) and returns their batch size.
   *
   * @throws IllegalArgumentException naming what does not match
   */
  public long check(String key, Map<String, FloatTensor> inputs) {
    Signature sig = signatures.get(key);
    if (sig == null) {
      throw new IllegalArgumentException("signature '" + key + "' not found; expected one of "
          + List.copyOf(signatures.keySet()) + ".");
    }
    Map<String, Signature.TensorDescription> in = sig.getInputs(), out = sig.getOutputs();
    if (!in.keySet().equals(inputs.keySet())) {
      throw new IllegalArgumentException("signature '" + key + "' takes inputs " + in.keySet()
          + "; received " + inputs.keySet() + ".");
    }
    long batch = -1;
    for (var e : in.entrySet()) {
      Signature.TensorDescription d = e.getValue();
      FloatTensor t = inputs.get(e.getKey());
      if (d.dataType != DataType.DT_FLOAT) {
        throw new IllegalArgumentException("input '" + e.getKey() + "' of signature '" + key
            + "' has dtype " + d.dataType + "; only float32 inputs are served.");
      }
      if (t.shape().length != d.shape.numDimensions()) {
        throw new IllegalArgumentException("input '" + e.getKey() + "' has shape "
            + Shape.of(t.shape()) + "; expected " + d.shape + ".");
      }
      for (int i = 0; i < t.shape().length; i++) {
        if (d.shape.size(i) >= 0 && d.shape.size(i) != t.shape()[i]) {
          throw new IllegalArgumentException("input '" + e.getKey() + "' has shape "
              + Shape.of(t.shape()) + "; expected " + d.shape + ".");
        }
      }
      if (batch >= 0 && t.shape()[0] != batch) {
        throw new IllegalArgumentException("inputs of signature '" + key + "' differ in batch size"
            + " (" + batch + " and " + t.shape()[0] + ").");
      }
      batch = t.shape()[0];
      for (int i = 0; i < t.values().length; i++) {
        if (!Float.isFinite(t.values()[i])) {
          throw new IllegalArgumentException("input '" + e.getKey() + "' value " + i + " is "
              + t.values()[i] + "; expected finite numbers.");
        }
      }
    }
    for (var e : out.entrySet()) {
      if (e.getValue().dataType != DataType.DT_FLOAT) {
        throw new IllegalArgumentException("output '" + e.getKey() + "' of signature '" + key
            + "' has dtype " + e.getValue().dataType + "; only float32 outputs are served.");
      }
    }
    return batch;
  }

  public Map<String, FloatTensor> run(String key, Map<String, FloatTensor> inputs) {
    long batch = check(key, inputs);
    // Checked against the signature asked for; run on its static-batch copy for this batch size,
    // when the export has one (same inputs and outputs by name).
    Signature copy = signatures.get(signatureFor(key, batch));
    Map<String, Signature.TensorDescription> in = copy.getInputs(), out = copy.getOutputs();
    List<TFloat32> feeds = new java.util.ArrayList<>();
    try {
      var runner = bundle.session().runner();
      for (var e : in.entrySet()) {
        FloatTensor t = inputs.get(e.getKey());
        TFloat32 tensor = Tensors.of(Shape.of(t.shape()), t.values());
        feeds.add(tensor);
        runner.feed(e.getValue().name, tensor);
      }
      // Outputs sharing one tensor share one fetch (a result may not hold a name twice).
      List<String> names = new java.util.ArrayList<>();
      Map<String, Integer> slot = new java.util.LinkedHashMap<>();
      new java.util.TreeMap<>(out).forEach((k, d) -> {
        if (!names.contains(d.name)) {
          names.add(d.name);
        }
        slot.put(k, names.indexOf(d.name));
      });
      names.forEach(runner::fetch);
      try (Result r = runner.run()) {
        Map<String, FloatTensor> result = new java.util.LinkedHashMap<>();
        slot.forEach((k, i) -> {
          TFloat32 t = (TFloat32) r.get(i);
          result.put(k, new FloatTensor(t.shape().asArray(), Tensors.toArray(t)));
        });
        return result;
      }
    } finally {
      feeds.forEach(TFloat32::close);
    }
  }

  /** The class name of {@code index}, from assets.extra/labels.txt, or the index itself. */
  public String label(int index) {
    return index < labels.size() ? labels.get(index) : Integer.toString(index);
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int channels() {
    return channels;
  }

  public SavedModelBundle bundle() {
    return bundle;
  }

  @Override
  public void close() {
    bundle.close();
  }
}

package org.dynconv.export;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.graph.BankPrecision;
import org.dynconv.graph.Mode;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.infer.InferenceModel;
import org.dynconv.io.AtomicFiles;
import org.dynconv.io.StagingDirectory;
import org.dynconv.models.BatchCopies;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/**
 * Exports a model as a TF1-style SavedModel that TensorFlow Java, Python TensorFlow (through
 * {@code tf.saved_model.load}'s TF1 path) and TF-Serving load.
 *
 * <p>The graph is a fresh INFER build of the model (BatchNorm on moving statistics, no dropout,
 * DynamicConv's temperature at its default), with the weights restored from a checkpoint under the
 * model's variable names, which are Google CondConv's names and layouts. Signatures, both with
 * method {@code tensorflow/serving/predict} and a dynamic batch:
 *
 * <ul>
 *   <li>{@code serving_default}: input {@code images} float32 {@code [-1,H,W,C]} (pixels 0..255,
 *       normalised in the graph), outputs {@code logits} and {@code probabilities};
 *   <li>{@code routing}: input {@code images}, one output per conditional layer, keyed by its
 *       scope, holding its routing or attention weights {@code [B,E]}, and the other attentions
 *       of DCD and ODConv layers keyed {@code <scope>/<name>} (see {@link
 *       org.dynconv.routing.RoutingOutputs});
 *   <li>for each size N of {@link Target#batchSignatures} (default none): {@code
 *       serving_default_batch_N} and {@code routing_batch_N}, the same signatures on a copy of the
 *       model built for exactly N images and sharing its variables ({@link BatchCopies}), which
 *       {@link org.dynconv.infer.Predictor} runs for batches of that size.
 * </ul>
 *
 * <p>{@code assets.extra/} holds {@code labels.txt} and {@code dynconv.properties}. The export is
 * built in a temporary directory beside the target and renamed into place; on failure, SIGTERM or
 * Ctrl-C nothing is left behind, and a directory left by a killed process is removed by the next
 * export to the same target (see {@link StagingDirectory}).
 */
public final class SavedModelExporter {
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";

  /**
   * The batch sizes a dynamic-batch export gives signatures of their own by default: none, since
   * a batch-1 copy measured no faster than the dynamic path (src/site/markdown/results/performance.md, Batch signatures).
   */
  public static final List<Long> DEFAULT_BATCH_SIGNATURES = List.of();


  private SavedModelExporter() {}

  /**
   * Where and how to write.
   *
   * @param foldBatchNorm fold each BatchNorm into the convolution before it (see {@link
   *     BatchNormFolder}); the variables then differ from the training graph's
   * @param staticBatch -1 for a dynamic batch (the default), or a fixed batch size; 1 gives
   *     batch-1 fusion (FUSED) in every conditional layer, for single-image serving
   * @param batchSignatures with a dynamic batch, the batch sizes that get signatures of their own
   *     ({@code serving_default_batch_N}, {@code routing_batch_N}) on a static-batch copy of the
   *     model sharing its variables ({@link BatchCopies}); empty for none; must be empty with a
   *     static batch
   * @param bankPrecision the type the expert banks are stored and mixed in (float32 by default;
   *     bfloat16 or float16 halve the bytes read per mixed kernel and round the weights, see
   *     {@link org.dynconv.mixing.ExpertBank})
   * @param kernels build the graph in {@link Mode#INFER_KERNELS}, so that AUTO may use dynconv's
   *     own kernel op where it measured fastest; the export then holds the library as {@code
   *     assets.extra/libdynconv_kernels.so}, which Python must load ({@code tf.load_op_library})
   *     before the model, and TF-Serving cannot serve it. False (the default): TensorFlow's ops only
   */
  public record Target(Path dir, boolean force, int servingVersion, boolean foldBatchNorm,
      long staticBatch, List<Long> batchSignatures, BankPrecision bankPrecision, boolean kernels) {
    public Target {
      batchSignatures = List.copyOf(batchSignatures);
      if (bankPrecision == null) {
        throw new IllegalArgumentException("SavedModelExporter: bankPrecision=null; expected"
            + " float32, bfloat16 or float16.");
      }
      if (staticBatch > 0 && !batchSignatures.isEmpty()) {
        throw new IllegalArgumentException("SavedModelExporter: batchSignatures="
            + batchSignatures + " with staticBatch=" + staticBatch
            + "; expected none with a static batch.");
      }
    }

    /** With TensorFlow's ops only. */
    public Target(Path dir, boolean force, int servingVersion, boolean foldBatchNorm,
        long staticBatch, List<Long> batchSignatures, BankPrecision bankPrecision) {
      this(dir, force, servingVersion, foldBatchNorm, staticBatch, batchSignatures, bankPrecision,
          false);
    }

    /** With float32 banks. */
    public Target(Path dir, boolean force, int servingVersion, boolean foldBatchNorm,
        long staticBatch, List<Long> batchSignatures) {
      this(dir, force, servingVersion, foldBatchNorm, staticBatch, batchSignatures,
          BankPrecision.FLOAT32);
    }

    public Target(Path dir, boolean force, int servingVersion) {
      this(dir, force, servingVersion, false, -1);
    }

    public Target(Path dir, boolean force, int servingVersion, boolean foldBatchNorm) {
      this(dir, force, servingVersion, foldBatchNorm, -1);
    }

    /** With the default batch signatures ({@link #DEFAULT_BATCH_SIGNATURES}) when dynamic. */
    public Target(Path dir, boolean force, int servingVersion, boolean foldBatchNorm,
        long staticBatch) {
      this(dir, force, servingVersion, foldBatchNorm, staticBatch,
          staticBatch > 0 ? List.of() : DEFAULT_BATCH_SIGNATURES);
    }

    /** The directory saved_model.pb goes into: {@code dir} or {@code dir/<version>}. */
    public Path modelDir() {
      return servingVersion > 0 ? dir.resolve(Integer.toString(servingVersion)) : dir;
    }
  }

  /**
   * Exports {@code spec} with the weights of checkpoint {@code weightsPrefix}.
   *
   * @param labels class names in label order, or null
   * @param extra key-value pairs for {@code assets.extra/dynconv.properties}
   * @return the directory holding saved_model.pb
   */
  public static Path export(ModelSpec spec, Path weightsPrefix, Target target, String[] labels,
      Map<String, String> extra, Threads threads) throws IOException {
    if (target.kernels() && !KernelLibrary.available()) {
      throw new IllegalArgumentException("SavedModelExporter: kernels=true (export --kernels)"
          + " needs dynconv's kernel library, and the " + KernelLibrary.status().describe()
          + "; expected a build with a C compiler on linux-x86_64, or an export without it.");
    }
    Path finalDir = target.modelDir().toAbsolutePath().normalize();
    if (Files.exists(finalDir) && !target.force()) {
      throw new FileAlreadyExistsException(finalDir.toString(), null,
          "export target exists; expected a new directory, or --force to replace it");
    }
    Path parent = finalDir.getParent();
    for (Path p = parent; p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new IOException("SavedModelExporter: cannot write '" + finalDir + "': '" + p
            + "' is a file; expected a directory.");
      }
    }
    Path existing = parent;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isWritable(existing)) {
      throw new IOException("SavedModelExporter: cannot write '" + finalDir + "': '" + existing
          + "' is not writable.");
    }
    Path created = firstMissing(parent);
    StagingDirectory stage = null;
    try {
      stage = StagingDirectory.create(finalDir);
      Path tmp = stage.path();
      Path staging = tmp.resolve("model");
      Path weights = weightsPrefix;
      if (target.foldBatchNorm()) {
        weights = tmp.resolve("folded").resolve("weights");
        BatchNormFolder.fold(spec, weightsPrefix, weights);
      }
      BuildOptions options = new BuildOptions(target.kernels() ? Mode.INFER_KERNELS : Mode.INFER,
          target.staticBatch(), target.foldBatchNorm(), target.bankPrecision());
      if (target.bankPrecision().halfWidth()) {
        Path narrowed = tmp.resolve("narrowed").resolve("weights");
        BankNarrower.narrow(spec, options, weights, narrowed);
        weights = narrowed;
      }
      boolean halfWidthBanks;
      boolean usesKernels;
      try (InferenceModel m = InferenceModel.create(spec, options, target.batchSignatures(),
          threads)) {
        m.loadWeights(weights);
        write(m, staging);
        halfWidthBanks = m.model().variables().stream().anyMatch(VariableRef::halfWidth);
        usesKernels = m.model().usesKernelLibrary()
            || m.copies().values().stream().anyMatch(Model::usesKernelLibrary);
      }
      Map<String, String> info = new LinkedHashMap<>(extra);
      info.put("batch", target.staticBatch() < 0 ? "dynamic" : Long.toString(target.staticBatch()));
      if (!target.batchSignatures().isEmpty()) {
        info.put("batch.signatures", target.batchSignatures().stream().map(String::valueOf)
            .collect(Collectors.joining(",")) + " (serving_default_batch_N and routing_batch_N:"
            + " a static-batch copy sharing the variables, faster at exactly N images)");
      }
      // What the export holds, not what was asked: a model without expert banks stays float32.
      info.put("bank.dtype", halfWidthBanks ? target.bankPrecision().label() + " (expert-bank"
          + " kernels stored and mixed at half width, mixed kernels widened to float32 for the"
          + " convolution)" : BankPrecision.FLOAT32.label() + (target.bankPrecision().halfWidth()
          ? " (" + target.bankPrecision().label() + " was asked for; this model has no expert"
          + " banks)" : ""));
      info.put("batchnorm", target.foldBatchNorm()
          ? "folded into the convolutions (kernels scaled per output channel, shift as <bn>/bias)"
          : "separate (inference mode, moving statistics)");
      // What the graph holds: with --kernels, AUTO may still have kept TensorFlow's ops everywhere.
      info.put("kernels", usesKernels ? "dynconv's kernel library (assets.extra/"
          + KernelLibrary.FILE_NAME + "): load it before the model, in Python with"
          + " tf.load_op_library; TF-Serving cannot serve this export" : "none (TensorFlow's ops"
          + " only" + (target.kernels() ? "; --kernels was asked for, and AUTO kept TensorFlow's"
          + " ops in every layer" : "") + ")");
      writeAssets(staging, spec, labels, info);
      if (usesKernels) {
        KernelLibrary.copyTo(staging.resolve("assets.extra").resolve(KernelLibrary.FILE_NAME));
      }
      install(staging, finalDir, tmp);
      stage.close();
      return finalDir;
    } catch (IOException | RuntimeException e) {
      if (stage != null) {
        stage.close();
      }
      if (created != null) {
        AtomicFiles.deleteTree(created);
      }
      throw e;
    }
  }

  private static void write(InferenceModel m, Path dir) throws IOException {
    SavedModelBundle.Exporter ex =
        SavedModelBundle.exporter(dir.toString()).withSession(m.session());
    signatures(ex, m.model(), key -> key);
    m.copies().forEach((b, copy) -> signatures(ex, copy, key -> BatchCopies.signatureKey(key, b)));
    ex.export();
  }

  /** {@code serving_default} and {@code routing} (when the model routes), keys renamed. */
  private static void signatures(SavedModelBundle.Exporter ex, Model model,
      java.util.function.UnaryOperator<String> rename) {
    ex.withSignature(Signature.builder().key(rename.apply(Signature.DEFAULT_KEY))
        .methodName(PREDICT_METHOD).input("images", model.images())
        .output("logits", model.logits()).output("probabilities", model.probabilities()).build());
    if (!model.routingSignatureOutputs().isEmpty()) {
      Signature.Builder routing = Signature.builder().key(rename.apply("routing"))
          .methodName(PREDICT_METHOD).input("images", model.images());
      model.routingSignatureOutputs().forEach(routing::output);
      ex.withSignature(routing.build());
    }
  }

  private static void writeAssets(Path dir, ModelSpec spec, String[] labels,
      Map<String, String> extra) throws IOException {
    Path assets = dir.resolve("assets.extra");
    Files.createDirectories(assets);
    if (labels != null) {
      Files.writeString(assets.resolve("labels.txt"), String.join("\n", labels) + "\n");
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put("model", spec.name());
    props.put("input", "images float32 [-1," + spec.height() + "," + spec.width() + ","
        + spec.channels() + "]");
    props.put("normalisation", spec.inputNormalisation());
    props.putAll(extra);
    AtomicFiles.writeProperties(assets.resolve("dynconv.properties"), props);
  }

  /** Renames the staged export into place, replacing an existing one only when asked. */
  private static void install(Path staging, Path finalDir, Path tmp) throws IOException {
    if (Files.exists(finalDir)) {
      Path old = tmp.resolve("replaced");
      Files.move(finalDir, old);
      try {
        Files.move(staging, finalDir);
      } catch (IOException e) {
        Files.move(old, finalDir);
        throw e;
      }
    } else {
      Files.move(staging, finalDir);
    }
  }

  /** The outermost directory of {@code dir} that does not exist yet, or null. */
  private static Path firstMissing(Path dir) {
    Path missing = null;
    for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
      missing = p;
    }
    return missing;
  }
}

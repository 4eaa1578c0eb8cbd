package org.dynconv.train;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.graph.BatchRows;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Mode;
import org.dynconv.graph.VariableRef;
import org.dynconv.models.BuildOptions;
import org.dynconv.models.Model;
import org.dynconv.models.ModelSpec;
import org.dynconv.train.optim.Adam;
import org.dynconv.train.optim.GradAndVar;
import org.dynconv.train.optim.Optimizer;
import org.dynconv.train.optim.RmsProp;
import org.dynconv.train.optim.Sgd;
import org.dynconv.train.distributed.Collectives;
import org.dynconv.train.distributed.Replica;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * The training graph: the model in TRAIN mode, the loss (cross-entropy, weight decay, label
 * smoothing), gradients of the explicit trainable list, optional clipping by global norm, the
 * optimizer step, BatchNorm updates, the optional EMA, and an op that saves the weights an
 * inference graph needs (EMA shadows when enabled) under the model's variable names.
 *
 * <p>For a worker of a data-parallel run ({@link Replica#distributed()}) the gradients are averaged
 * over the workers before clipping and the optimizer, so every worker applies the gradient of the
 * global batch and the weights stay identical; the loss and accuracy fetched are the global ones.
 * BatchNorm uses each worker's own batch moments unless the root scope carries a {@link
 * org.dynconv.graph.CrossReplica} ({@link Replica#trainingRoot}, {@code --sync-batchnorm}).
 */
public final class TrainGraph {
  public final Model model;
  public final Operand<TInt32> labels;
  public final Operand<TFloat32> learningRate;
  public final Operand<TFloat32> loss;
  public final Operand<TFloat32> accuracy;
  public final Op step;
  public final Ema ema;
  public final List<VariableRef> optimizerVariables;
  public final Operand<TString> weightsFile;
  public final Op saveWeights;
  /**
   * Mean over the batch and the conditional layers of the entropy of their routing weights
   * (normalised to sum 1), or null for a static model; logged during training (over the global
   * batch when data-parallel).
   */
  public final Operand<TFloat32> routingEntropy;
  /** True when every model and optimizer variable is finite; checked before each checkpoint. */
  public final Operand<TBool> allFinite;
  /**
   * A scalar the chief feeds and every worker receives as {@link #valueFromChief} (the others feed
   * 0): how the chief's validation accuracy reaches the workers that do not validate. Null in a
   * single process.
   */
  public final Operand<TFloat32> chiefValue;
  public final Operand<TFloat32> valueFromChief;
  /** Completes once every worker runs it (before a worker exits). Null in a single process. */
  public final Operand<TFloat32> barrier;
  /**
   * Each worker feeds a hash of its settings below 2^24 (exact in float32); {@link #settingsSpread}
   * is the largest minus the smallest over the workers, 0 when all agree. Null in a single process.
   */
  public final Operand<TFloat32> settingsHash;
  public final Operand<TFloat32> settingsSpread;

  /**
   * How many collective timeouts the other workers wait for the chief's validation accuracy
   * (validation is not part of a step, and only the chief runs it).
   */
  public static final int VALIDATION_WAIT_FACTOR = 10;

  /** Instance keys of the collectives, the same on every worker. */
  static final int GRADIENTS_KEY = 1, METRICS_KEY = 2, FROM_CHIEF_KEY = 3, BARRIER_KEY = 4,
      HASH_MAX_KEY = 5, HASH_MIN_KEY = 6;

  private TrainGraph(Model model, Operand<TInt32> labels, Operand<TFloat32> learningRate,
      Operand<TFloat32> loss, Operand<TFloat32> accuracy, Op step, Ema ema,
      List<VariableRef> optimizerVariables, Operand<TString> weightsFile, Op saveWeights,
      Operand<TBool> allFinite, Operand<TFloat32> routingEntropy, Operand<TFloat32> chiefValue,
      Operand<TFloat32> valueFromChief, Operand<TFloat32> barrier, Operand<TFloat32> settingsHash,
      Operand<TFloat32> settingsSpread) {
    this.model = model;
    this.labels = labels;
    this.learningRate = learningRate;
    this.loss = loss;
    this.accuracy = accuracy;
    this.step = step;
    this.ema = ema;
    this.optimizerVariables = optimizerVariables;
    this.weightsFile = weightsFile;
    this.saveWeights = saveWeights;
    this.allFinite = allFinite;
    this.routingEntropy = routingEntropy;
    this.chiefValue = chiefValue;
    this.valueFromChief = valueFromChief;
    this.barrier = barrier;
    this.settingsHash = settingsHash;
    this.settingsSpread = settingsSpread;
  }

  /**
   * @param batch the static batch every step feeds (training drops the last partial batch)
   */
  public static TrainGraph build(LayerScope root, ModelSpec spec, TrainConfig cfg, long batch) {
    return build(root, spec, cfg, batch, Replica.single());
  }

  /**
   * @param batch this worker's share of the global batch
   * @param replica which worker of a data-parallel run this graph is for
   */
  public static TrainGraph build(LayerScope root, ModelSpec spec, TrainConfig cfg, long batch,
      Replica replica) {
    // A worker's random per-example draws are its rows of the global batch's (BatchRows).
    Model model = spec.build(root, new BuildOptions(Mode.TRAIN, batch, false).withRows(
        BatchRows.ofWorker(replica.task(), replica.workers(), batch)));
    Ops tf = root.child("training").ops();
    Operand<TInt32> labels =
        root.ops().withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(batch)));
    Operand<TFloat32> lr =
        root.ops().withName("learning_rate").placeholder(TFloat32.class,
            Placeholder.shape(Shape.scalar()));
    List<VariableRef> trainable = model.trainableVariables();
    Operand<TFloat32> loss = Losses.softmaxCrossEntropy(tf, model.logits(), labels,
        spec.numClasses(), cfg.labelSmoothing());
    Operand<TFloat32> total = cfg.weightDecay() > 0
        ? tf.math.add(loss, Losses.weightDecay(tf, trainable, cfg.weightDecay(),
            cfg.decayRouting()))
        : loss;
    Gradients grads = tf.gradients(total, trainable.stream().map(VariableRef::read).toList());
    List<Operand<TFloat32>> g = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      g.add(grads.dy(i));
    }
    Collectives.Group group = replica.group();
    if (replica.distributed()) {
      g = Collectives.meanPacked(tf.withSubScope("allreduce"), g, group, GRADIENTS_KEY);
    }
    if (cfg.clipNorm() > 0) {
      g = clipByGlobalNorm(tf, g, cfg.clipNorm());
    }
    g = gate(tf, g);
    List<GradAndVar> gv = new ArrayList<>();
    for (int i = 0; i < trainable.size(); i++) {
      gv.add(new GradAndVar(g.get(i), trainable.get(i)));
    }
    Optimizer.Update update = optimizer(cfg).apply(root, gv, lr);
    List<Op> after = new ArrayList<>(model.updates());
    after.add(update.step());
    Ema ema = null;
    Op step;
    if (cfg.emaDecay() > 0) {
      List<VariableRef> averaged = model.variables().stream()
          .filter(v -> v.kind() != VariableRef.Kind.STATE).toList();
      ema = Ema.create(root, averaged, cfg.emaDecay(), after);
      step = tf.withName("train_step").withControlDependencies(List.of(ema.update())).noOp();
    } else {
      step = tf.withName("train_step").withControlDependencies(after).noOp();
    }
    Operand<TFloat32> accuracy = Losses.accuracy(tf, model.logits(), labels);
    Operand<TFloat32> reportedLoss = loss;
    Operand<TFloat32> entropy = routingEntropy(tf, model);
    Operand<TFloat32> chiefValue = null, fromChief = null, barrier = null, hash = null;
    Operand<TFloat32> spread = null;
    if (replica.distributed()) {
      Ops c = tf.withSubScope("allreduce");
      // The logged metrics are the global batch's: the means of the workers' (equal slices).
      List<Operand<TFloat32>> local = entropy == null ? List.of(loss, accuracy)
          : List.of(loss, accuracy, entropy);
      Operand<TFloat32> global = Collectives.mean(c, c.stack(local), group, METRICS_KEY);
      reportedLoss = element(c, global, 0);
      accuracy = element(c, global, 1);
      entropy = entropy == null ? null : element(c, global, 2);
      chiefValue = root.ops().withName("chief_value").placeholder(TFloat32.class,
          Placeholder.shape(Shape.scalar()));
      // The other workers wait here while the chief validates, which can take far longer than
      // a step's exchange.
      Collectives.Group patient = new Collectives.Group(group.size(), group.key(),
          VALIDATION_WAIT_FACTOR * group.timeoutSeconds());
      fromChief = Collectives.sum(c, chiefValue, patient, FROM_CHIEF_KEY);
      barrier = Collectives.sum(c, c.constant(0f), group, BARRIER_KEY);
      hash = root.ops().withName("settings_hash").placeholder(TFloat32.class,
          Placeholder.shape(Shape.scalar()));
      spread = c.math.sub(Collectives.max(c, hash, group, HASH_MAX_KEY),
          Collectives.min(c, hash, group, HASH_MIN_KEY));
    }

    // Saves what an inference graph restores: each model variable under its own name, with the
    // EMA shadow's value when the EMA is on.
    List<String> names = new ArrayList<>();
    List<Operand<?>> values = new ArrayList<>();
    for (VariableRef v : model.variables()) {
      names.add(v.name());
      values.add(ema != null && ema.shadows().containsKey(v) ? ema.shadows().get(v).read() : v.read());
    }
    Operand<TString> file = root.ops().withName("weights_file").placeholder(TString.class);
    Op save = tf.withName("save_weights").train.save(file,
        tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
        tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
        values);
    List<VariableRef> optVars = new ArrayList<>(update.slots());
    if (ema != null) {
      optVars.addAll(ema.shadows().values());
    }
    Operand<TBool> finite = tf.constant(true);
    List<VariableRef> checked = new ArrayList<>(model.variables());
    checked.addAll(optVars);
    for (VariableRef v : checked) {
      Operand<TBool> f = tf.math.isFinite(v.read());
      finite = tf.math.logicalAnd(finite, tf.reduceAll(f, tf.range(tf.constant(0), tf.rank(f),
          tf.constant(1))));
    }
    return new TrainGraph(model, labels, lr, reportedLoss, accuracy, step, ema, optVars, file, save,
        finite, entropy, chiefValue, fromChief, barrier, hash, spread);
  }

  private static Operand<TFloat32> element(Ops tf, Operand<TFloat32> v, int i) {
    return tf.squeeze(tf.slice(v, tf.constant(new int[] {i}), tf.constant(new int[] {1})));
  }

  /** Mean entropy of the routing weights of the model's distinct routing tensors. */
  static Operand<TFloat32> routingEntropy(Ops tf, Model model) {
    List<Operand<TFloat32>> distinct = model.routing().values().stream().distinct().toList();
    if (distinct.isEmpty()) {
      return null;
    }
    Operand<TFloat32> sum = tf.constant(0f);
    for (Operand<TFloat32> r : distinct) {
      Operand<TFloat32> p = tf.math.div(r, tf.reduceSum(r, tf.constant(1),
          org.tensorflow.op.core.ReduceSum.keepDims(true)));
      Operand<TFloat32> h = tf.math.neg(tf.reduceSum(tf.math.mul(p,
          tf.math.log(tf.math.maximum(p, tf.constant(1e-12f)))), tf.constant(1)));
      sum = tf.math.add(sum, tf.math.mean(h, tf.constant(0)));
    }
    return tf.math.div(sum, tf.constant((float) distinct.size()));
  }

  /**
   * Makes every gradient wait for all of them (TF1's GATE_GRAPH). A variable's {@code read}
   * identity aliases its buffer, and the backward pass of later layers still reads the kernels of
   * earlier ones; without the gate an in-place update can race those reads and the run is no
   * longer reproducible.
   */
  static List<Operand<TFloat32>> gate(Ops tf, List<Operand<TFloat32>> g) {
    Ops gated = tf.withControlDependencyOps(g.stream().map(Operand::op).toList());
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (Operand<TFloat32> x : g) {
      out.add(gated.identity(x));
    }
    return out;
  }

  static Optimizer optimizer(TrainConfig cfg) {
    return switch (cfg.optimizer()) {
      case "sgd" -> new Sgd(cfg.momentum(), cfg.momentum() > 0);
      case "adam" -> Adam.defaults();
      default -> new RmsProp(0.9, cfg.momentum(), 1e-3);
    };
  }

  /** {@code g * clip / max(norm, clip)}, norm the global L2 norm of all gradients. */
  static List<Operand<TFloat32>> clipByGlobalNorm(Ops tf, List<Operand<TFloat32>> g, double clip) {
    Operand<TFloat32> sq = tf.constant(0f);
    for (Operand<TFloat32> x : g) {
      sq = tf.math.add(sq, tf.reduceSum(tf.math.square(x), tf.range(tf.constant(0),
          tf.rank(x), tf.constant(1))));
    }
    Operand<TFloat32> norm = tf.math.sqrt(sq);
    Operand<TFloat32> c = tf.constant((float) clip);
    Operand<TFloat32> scale = tf.math.div(c, tf.math.maximum(norm, c));
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (Operand<TFloat32> x : g) {
      out.add(tf.math.mul(x, scale));
    }
    return out;
  }
}

package org.dynconv.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dynconv.data.Batches;
import org.dynconv.data.ImageSource;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Tensors;
import org.dynconv.graph.Threads;
import org.dynconv.infer.InferenceModel;
import org.dynconv.io.AtomicFiles;
import org.dynconv.models.ModelSpec;
import org.dynconv.train.distributed.Replica;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Runs training: the step loop with the schedules, progress, validation every epoch on an
 * inference graph, the CSV log, checkpoints (atomic, resumable at any step), and the NaN guard.
 *
 * <p>Run directory: {@code run.properties} (the {@link TrainConfig}), {@code log.csv} (one line per
 * epoch), {@code checkpoints/}.
 *
 * <p>Data parallel ({@link Options#replica()} a worker of N): each step takes a global batch of N
 * x {@code batchSize} images from the seeded order, worker i the i-th slice of it; the gradients
 * are averaged over the workers ({@link TrainGraph}). Only the chief (worker 0) writes the run
 * directory and validates; the others receive its validation accuracy, so early stopping ends
 * every worker at the same epoch. Every worker resumes from the chief's checkpoint, so the run
 * directory must be shared by all of them.
 */
public final class Trainer {
  /** Class names of the training source, one per line, beside run.properties. */
  public static final String CLASSES_FILE = "classes.txt";

  private final TrainConfig cfg;
  private final ModelSpec spec;
  private final ImageSource train;
  private final ImageSource test;
  private final Options opt;

  /**
   * How a run is carried out (where, with which threads, what it prints, who is told), as opposed
   * to what is trained ({@link TrainConfig}). Made by {@link #builder(Path)} or {@link #of(Path)}.
   */
  public static final class Options {
    private final Path runDir;
    private final boolean resume;
    private final Threads threads;
    private final PrintStream out;
    private final boolean redraw;
    private final long stopAtStep;
    private final List<TrainingCallback> callbacks;
    private final String evaluationName;
    private final Replica replica;

    private Options(Builder b) {
      if (b.runDir == null || b.threads == null || b.out == null || b.replica == null) {
        throw new IllegalArgumentException("Trainer.Options: runDir, threads, out and replica must"
            + " be set; received runDir=" + b.runDir + ", threads=" + b.threads + ", out="
            + b.out + ", replica=" + b.replica + ".");
      }
      if (b.evaluationName == null || b.evaluationName.isBlank()) {
        throw new IllegalArgumentException("Trainer.Options: evaluationName is '"
            + b.evaluationName + "'; expected a short name such as test or val.");
      }
      if (b.stopAtStep < 0) {
        throw new IllegalArgumentException("Trainer.Options: stopAtStep=" + b.stopAtStep
            + " is invalid; expected 0 (run to the end) or a step count.");
      }
      runDir = b.runDir;
      resume = b.resume;
      threads = b.threads;
      out = b.out;
      redraw = b.redraw;
      stopAtStep = b.stopAtStep;
      callbacks = List.copyOf(b.callbacks);
      evaluationName = b.evaluationName;
      replica = b.replica;
    }

    /** Options for a run in {@code runDir}: a new run, default threads, progress on stdout. */
    public static Builder builder(Path runDir) {
      return new Builder(runDir);
    }

    /** A new run in {@code runDir} with default threads, progress on standard output. */
    public static Options of(Path runDir) {
      return builder(runDir).build();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
      Builder b = new Builder(runDir);
      b.resume = resume;
      b.threads = threads;
      b.out = out;
      b.redraw = redraw;
      b.stopAtStep = stopAtStep;
      b.callbacks.addAll(callbacks);
      b.evaluationName = evaluationName;
      b.replica = replica;
      return b;
    }

    /** The same options continuing the run's latest checkpoint. */
    public Options resuming() {
      return toBuilder().resume(true).build();
    }

    /** The same options with {@code more} callbacks after the present ones. */
    public Options withCallbacks(TrainingCallback... more) {
      return toBuilder().callbacks(more).build();
    }

    /** The same options with the evaluation set called {@code name} in the per-epoch line. */
    public Options withEvaluationName(String name) {
      return toBuilder().evaluationName(name).build();
    }

    /** The same options for worker {@code r} of a data-parallel run. */
    public Options withReplica(Replica r) {
      return toBuilder().replica(r).build();
    }

    /** Where the run lives: run.properties, log.csv, checkpoints/, export/. */
    public Path runDir() {
      return runDir;
    }

    /** Continue from the run's latest checkpoint. */
    public boolean resume() {
      return resume;
    }

    /** TensorFlow's thread pools. */
    public Threads threads() {
      return threads;
    }

    /** Where progress and the summary go. */
    public PrintStream out() {
      return out;
    }

    /** Redraw the progress line in place (a terminal). */
    public boolean redraw() {
      return redraw;
    }

    /** Checkpoint and return once this many global steps are taken; 0 runs to the end. */
    public long stopAtStep() {
      return stopAtStep;
    }

    /** Whether a run at global step {@code step} has reached {@link #stopAtStep}. */
    boolean budgetSpent(long step) {
      return stopAtStep > 0 && step >= stopAtStep;
    }

    /** Step, epoch-end and checkpoint hooks, called in list order. */
    public List<TrainingCallback> callbacks() {
      return callbacks;
    }

    /** What the per-epoch line calls the set evaluated on ("test", or "val" for a split). */
    public String evaluationName() {
      return evaluationName;
    }

    /** Which worker of a data-parallel run this is ({@link Replica#single()} in one process). */
    public Replica replica() {
      return replica;
    }

    /** Sets the options by name; {@link #build} validates them. */
    public static final class Builder {
      private final Path runDir;
      private boolean resume;
      private Threads threads = Threads.defaults();
      private PrintStream out = System.out;
      private boolean redraw;
      private long stopAtStep;
      private final List<TrainingCallback> callbacks = new ArrayList<>();
      private String evaluationName = "test";
      private Replica replica = Replica.single();

      private Builder(Path runDir) {
        this.runDir = runDir;
      }

      /** Continue from the run's latest checkpoint (default: a new run). */
      public Builder resume(boolean v) {
        resume = v;
        return this;
      }

      public Builder threads(Threads v) {
        threads = v;
        return this;
      }

      /** Where progress and the summary go (default standard output). */
      public Builder out(PrintStream v) {
        out = v;
        return this;
      }

      /** Redraw the progress line in place, for a terminal (default false). */
      public Builder redraw(boolean v) {
        redraw = v;
        return this;
      }

      /**
       * Checkpoint and return once the run's global step reaches this budget, mid-epoch or at an
       * epoch end (a preemptible job's slice, as Estimator's {@code max_steps}; {@code train
       * --stop-at-step}); a resume continues exactly. 0, the default, runs to the end.
       */
      public Builder stopAtStep(long v) {
        stopAtStep = v;
        return this;
      }

      /** Adds callbacks after those already set. */
      public Builder callbacks(TrainingCallback... more) {
        callbacks.addAll(List.of(more));
        return this;
      }

      public Builder evaluationName(String v) {
        evaluationName = v;
        return this;
      }

      public Builder replica(Replica v) {
        replica = v;
        return this;
      }

      public Options build() {
        return new Options(this);
      }
    }
  }

  /**
   * What a finished run reports.
   *
   * @param testAccuracy the last validation accuracy (NaN when stopped at a step budget)
   * @param stoppedEarly early stopping ended the run before its last epoch
   * @param stoppedAtStep the step budget ({@link Options#stopAtStep}) ended this part of the run;
   *     its checkpoint is where a resume continues
   */
  public record Result(double testAccuracy, long parameters, long macsPerImage, double seconds,
      long steps, CheckpointStore.Checkpoint checkpoint, boolean stoppedEarly,
      boolean stoppedAtStep) {}

  /** Trains the zoo model {@code cfg.model()}. */
  public Trainer(TrainConfig cfg, ImageSource train, ImageSource test, Options opt) {
    this(cfg.modelSpec(), cfg, train, test, opt, true);
  }

  /**
   * Trains {@code spec}, a zoo model or one of the caller's own built from dynconv's layers: the
   * run records {@code spec.name()} as its model, and resuming or exporting it takes the same
   * spec again ({@link org.dynconv.export.RunExporter#export(RunDirectory, ModelSpec,
   * org.dynconv.export.SavedModelExporter.Target, Threads)}). {@code cfg}'s experts, classes,
   * resolution and final temperature are applied to it ({@link TrainConfig#applyTo}).
   *
   * @param test validated on after every epoch
   */
  public Trainer(ModelSpec spec, TrainConfig cfg, ImageSource train, ImageSource test,
      Options opt) {
    this(cfg.applyTo(spec), cfg.model().equals(spec.name()) ? cfg
        : cfg.toBuilder().model(spec.name()).build(), train, test, opt, true);
  }

  private Trainer(ModelSpec spec, TrainConfig cfg, ImageSource train, ImageSource test,
      Options opt, boolean settingsApplied) {
    // settingsApplied only tells this constructor apart: spec already carries cfg's overrides.
    this.cfg = cfg;
    this.spec = spec;
    ImageSource tr = cfg.trainLimit() > 0 ? train.head(cfg.trainLimit()) : train;
    // A grey dataset feeds an RGB model with the grey value in every channel.
    if (spec.channels() == 3 && tr.channels() == 1) {
      tr = tr.toRgb();
      test = test.toRgb();
    }
    this.train = tr;
    this.test = test;
    this.opt = opt;
    if (this.train.height() != spec.height() || this.train.width() != spec.width()
        || this.train.channels() != spec.channels()) {
      throw new IllegalArgumentException("Trainer: dataset '" + train.name() + "' has "
          + train.height() + "x" + train.width() + "x" + train.channels() + " images; model '"
          + spec.name() + "' expects " + spec.height() + "x" + spec.width() + "x" + spec.channels()
          + (spec instanceof org.dynconv.models.EfficientNet ? " (set the resolution to "
              + train.height() + ")" : "") + ".");
    }
    if (!test.classNames().isEmpty() && !train.classNames().isEmpty()
        && !test.classNames().equals(train.classNames())) {
      throw new IllegalArgumentException("Trainer: the classes of '" + test.name() + "' "
          + test.classNames() + " differ from those of '" + train.name() + "' "
          + train.classNames() + "; expected the same classes in the same order.");
    }
    if (spec.numClasses() < Math.max(train.numClasses(), test.numClasses())) {
      throw new IllegalArgumentException("Trainer: dataset '" + train.name() + "' has "
          + Math.max(train.numClasses(), test.numClasses()) + " classes but model '" + spec.name()
          + "' outputs " + spec.numClasses() + "; expected a model with at least as many outputs"
          + " (a zoo model takes --num-classes where it supports a new head).");
    }
  }

  /** What a run directory holds. */
  public enum RunDirState {
    /** No training run: the directory is missing or holds no {@code run.properties}. */
    NONE,
    /**
     * A run started and stopped before its first checkpoint (bad data found while training, a
     * peer that never came): nothing to keep, so a new run or a resume starts it over.
     */
    STARTED,
    /** A run with at least one checkpoint. */
    CHECKPOINTED
  }

  /** What {@code runDir} holds. */
  public static RunDirState runDirState(Path runDir) throws IOException {
    if (!Files.isRegularFile(runDir.resolve("run.properties"))) {
      return RunDirState.NONE;
    }
    return new CheckpointStore(runDir).latest().isPresent() ? RunDirState.CHECKPOINTED
        : RunDirState.STARTED;
  }

  /** Checks the run directory suits a new run or a resume, before anything is written. */
  public static Optional<CheckpointStore.Checkpoint> checkRunDir(Path runDir, boolean resume)
      throws IOException {
    return checkRunDir(runDir, resume, true);
  }

  /**
   * As {@link #checkRunDir(Path, boolean)}; a worker other than the chief ({@code writer} false)
   * does not require a new run's directory to be free, because the chief may have written it.
   *
   * @return the checkpoint to resume from; empty for a new run, and for a resume of a run that
   *     stopped before its first checkpoint (it starts over)
   */
  public static Optional<CheckpointStore.Checkpoint> checkRunDir(Path runDir, boolean resume,
      boolean writer) throws IOException {
    RunDirState state = runDirState(runDir);
    if (!resume) {
      if (writer && state == RunDirState.CHECKPOINTED) {
        throw new IllegalArgumentException("Trainer: run directory '" + runDir + "' already holds a"
            + " training run with checkpoints; expected Options.resume to continue it, or another"
            + " run directory.");
      }
      return Optional.empty();
    }
    if (state == RunDirState.NONE) {
      throw new IllegalArgumentException("Trainer: cannot resume: run directory '" + runDir
          + "' holds no training run; expected a directory an earlier run wrote.");
    }
    return new CheckpointStore(runDir).latest();
  }

  /** The saved config of a run directory. */
  public static TrainConfig readRunConfig(Path runDir) throws IOException {
    Path props = runDir.resolve("run.properties");
    return TrainConfig.fromMap(AtomicFiles.readProperties(props), props.toString());
  }

  /**
   * Trains: checks the run directory, builds the training graph, starts or resumes, then trains
   * and validates epoch by epoch (see {@link EpochLoop}) and returns what the run reached.
   */
  public Result run() throws IOException {
    long t0 = System.nanoTime();
    Replica replica = opt.replica();
    Optional<CheckpointStore.Checkpoint> resumeFrom = startingPoint();
    RunShape shape = new RunShape(replica.workers());
    // Only the chief validates, so only it builds the inference graph (a null resource is not
    // closed).
    try (Graph g = new Graph();
        InferenceModel eval = replica.chief() ? InferenceModel.create(spec, opt.threads()) : null) {
      TrainGraph tg = TrainGraph.build(replica.trainingRoot(g, cfg.seed()), spec, cfg, shape.batch,
          replica);
      WarmStart warm = resumeFrom.isEmpty() && !cfg.initFrom().isEmpty()
          ? WarmStart.build(LayerScope.root(g, cfg.seed()).child("warm_start"),
              Path.of(cfg.initFrom()), tg.model.variables())
          : null;
      try (Session s = replica.session(g, opt.threads())) {
        EpochLoop loop = new EpochLoop(shape, tg, s, eval, resumeFrom.orElse(null));
        loop.begin(warm);
        while (loop.state.epoch() < cfg.epochs()) {
          boolean epochDone = loop.trainEpoch();
          if (epochDone) {
            loop.endEpoch();
          }
          // The step budget ends the run mid-epoch (trainEpoch checkpointed) or at an epoch end
          // (endEpoch checkpointed), unless that end is the run's own.
          if (!epochDone || opt.budgetSpent(loop.state.step()) && loop.state.epoch() < cfg.epochs()
              && !loop.stoppedEarly) {
            return new Result(Double.NaN, tg.model.parameterCount(), tg.model.macsPerImage(),
                (System.nanoTime() - t0) / 1e9, loop.state.step(), loop.last, false, true);
          }
        }
        double testAcc = loop.finish();
        return new Result(testAcc, tg.model.parameterCount(), tg.model.macsPerImage(),
            (System.nanoTime() - t0) / 1e9, loop.state.step(), loop.last, loop.stoppedEarly,
            false);
      }
    }
  }

  /** The checkpoint to resume from, after checking the run directory and the model it trained. */
  private Optional<CheckpointStore.Checkpoint> startingPoint() throws IOException {
    boolean chief = opt.replica().chief();
    Optional<CheckpointStore.Checkpoint> resumeFrom = checkRunDir(opt.runDir(), opt.resume(), chief);
    if (chief && resumeFrom.isEmpty() && runDirState(opt.runDir()) == RunDirState.STARTED) {
      opt.out().println("run directory " + opt.runDir() + " holds a run that stopped before its"
          + " first checkpoint; starting it over");
    }
    if (resumeFrom.isPresent()) {
      String saved = readRunConfig(opt.runDir()).model();
      if (!saved.equals(cfg.model())) {
        throw new IllegalArgumentException("Trainer: cannot resume run '" + opt.runDir()
            + "': it trained model '" + saved + "'; expected the same model, got '" + cfg.model()
            + "'.");
      }
    }
    return resumeFrom;
  }

  /** The run's arithmetic: this worker's batch, steps per epoch, the schedules and data order. */
  private final class RunShape {
    /** This worker's share of a step; a step takes {@code batch * workers} images. */
    final int batch;
    final int workers;
    final long imagesPerStep;
    final int stepsPerEpoch;
    final LearningRateSchedule lr;
    final TemperatureSchedule temp;
    final Batches batches;

    RunShape(int workers) {
      this.workers = workers;
      batch = Math.min(cfg.batchSize(), train.size() / workers);
      if (batch < 1) {
        throw new IllegalArgumentException("Trainer: " + train.size() + " training images cannot"
            + " feed " + workers + " workers; expected at least one image per worker.");
      }
      imagesPerStep = (long) batch * workers;
      stepsPerEpoch = Math.max(1, train.size() / (batch * workers));
      lr = schedule(stepsPerEpoch, (long) stepsPerEpoch * cfg.epochs());
      temp = new TemperatureSchedule(cfg.temperatureStart(), cfg.temperatureEnd(),
          Math.round(cfg.temperatureEpochs() * stepsPerEpoch));
      batches = new Batches(train, cfg.seed(), cfg.augment() ? 2 : 0, cfg.augment());
    }
  }

  /**
   * One run in progress, step by step: {@link #begin} restores or initialises the session and
   * writes the run's files, {@link #trainEpoch} runs the steps of an epoch, {@link #endEpoch}
   * validates, logs, calls back and checkpoints, {@link #finish} waits for the other workers and
   * cleans up. Only the chief writes the run directory.
   */
  private final class EpochLoop {
    final RunShape shape;
    final TrainGraph tg;
    final Session s;
    final InferenceModel eval;
    final Replica replica = opt.replica();
    final boolean chief = replica.chief();
    final CheckpointStore store = new CheckpointStore(opt.runDir());
    final Path evalWeights = opt.runDir().resolve(".eval").resolve("weights");
    final float[] pixels;
    final int[] labels;
    TrainState state;
    CheckpointStore.Checkpoint last;
    Log log;
    RoutingLog attention;
    Progress progress;
    double testAcc = Double.NaN;
    boolean stoppedEarly;
    // The epoch being trained: its running sums and timing, kept for endEpoch.
    double lossSum;
    double accSum;
    int counted;
    long epochStart;

    EpochLoop(RunShape shape, TrainGraph tg, Session s, InferenceModel eval,
        CheckpointStore.Checkpoint resumeFrom) {
      this.shape = shape;
      this.tg = tg;
      this.s = s;
      this.eval = eval;
      this.last = resumeFrom;
      pixels = new float[shape.batch * train.imageSize()];
      labels = new int[shape.batch];
    }

    /** Restores the checkpoint, or initialises (a warm start included) and writes the run files. */
    void begin(WarmStart warm) throws IOException {
      if (last != null) {
        if (chief) {
          store.removeTemporaries();
        }
        s.restore(last.prefix().toString());
        state = rescale(last.state(), shape.imagesPerStep, shape.stepsPerEpoch,
            Math.min(cfg.batchSize(), train.size()));
        opt.out().printf("resuming %s at epoch %d, step %d (%s)%n", spec.name(), state.epoch() + 1,
            state.step(), last.dir());
      } else {
        if (chief) {
          Files.createDirectories(opt.runDir());
          store.removeTemporaries();
          AtomicFiles.writeProperties(opt.runDir().resolve("run.properties"), cfg.toMap());
          if (!train.classNames().isEmpty()) {
            // The export's labels (RunExporter reads them back).
            AtomicFiles.writeString(opt.runDir().resolve(CLASSES_FILE),
                String.join("\n", train.classNames()) + "\n");
          }
        }
        s.initialize();
        if (warm != null) {
          s.runner().addTarget(warm.op()).run();
          if (chief) {
            opt.out().println(warm.describe());
          }
        }
        state = TrainState.start(shape.temp.at(0), shape.imagesPerStep);
      }
      if (replica.distributed()) {
        checkSameSettings(s, tg, shape.imagesPerStep);
      }
      opt.out().printf("training %s: %,d parameters, %,d MACs/image, %d images, batch %d, %d"
          + " epochs, %s, %s%s%n", spec.name(), tg.model.parameterCount(), tg.model.macsPerImage(),
          train.size(), shape.batch, cfg.epochs(), cfg.optimizer(), opt.threads(),
          replica.distributed() ? ", " + replica + " (global batch " + shape.imagesPerStep + ")"
              : "");
      if (chief) {
        log = new Log(opt.runDir().resolve("log.csv"), tg.model.routing().keySet());
        attention = new RoutingLog(opt.runDir().resolve("routing_entropy.csv"));
        log.truncateTo(state.epoch());
        attention.truncateTo(state.step());
      }
      progress = new Progress(opt.out(), opt.redraw(), cfg.epochs());
    }

    /**
     * Runs the rest of the current epoch's steps. Returns false when the run stopped at {@link
     * Options#stopAtStep} (checkpointed mid-epoch).
     */
    boolean trainEpoch() throws IOException {
      int epoch = state.epoch();
      int[] order = shape.batches.order(epoch);
      lossSum = state.epochLossSum();
      accSum = state.epochAccuracySum();
      counted = state.stepInEpoch();
      int ran = 0;
      epochStart = System.nanoTime();
      progress.newEpoch();
      int stepsPerEpoch = shape.stepsPerEpoch;
      for (int k = state.stepInEpoch(); k < stepsPerEpoch; k++) {
        long step = state.step();
        shape.batches.fill(order, (k * shape.workers + replica.task()) * shape.batch, shape.batch,
            epoch, cfg.augment(), pixels, labels);
        double t = shape.temp.at(step);
        boolean sample = tg.routingEntropy != null && step % Math.max(1, stepsPerEpoch / 20) == 0;
        float[] out = runStep(s, tg, pixels, labels, shape.batch, shape.lr.at(step), t, step,
            sample);
        if (sample && chief) {
          attention.add(step, (double) step / stepsPerEpoch, t, out[2]);
        }
        if (!Double.isFinite(out[0])) {
          if (chief) {
            // The attention's path up to the NaN is the evidence of why it diverged; a resumed
            // run truncates the file to its checkpoint's step as usual.
            attention.flush();
          }
          throw new TrainingDiverged("training stopped at epoch " + (epoch + 1) + ", step " + step
              + ": the loss is " + out[0] + "; the last good checkpoint is "
              + (last == null ? "none (nothing was saved yet)" : last.dir().toString()) + ".");
        }
        for (TrainingCallback cb : opt.callbacks()) {
          cb.onStep(step, out[0], out[1], shape.lr.at(step), t);
        }
        lossSum += out[0];
        accSum += out[1];
        counted++;
        ran++;
        state = new TrainState(step + 1, epoch, k + 1, t, state.bestTestAccuracy(), lossSum,
            accSum, state.epochsWithoutImprovement(), shape.imagesPerStep);
        double secs = (System.nanoTime() - epochStart) / 1e9;
        progress.step(epoch, k + 1, stepsPerEpoch, lossSum / counted, accSum / counted,
            spec.annealsTemperature() ? t : Double.NaN, ran * shape.batch / secs,
            secs / ran * (stepsPerEpoch - k - 1));
        boolean midEpoch = k + 1 < stepsPerEpoch;
        if (cfg.checkpointEvery() > 0 && state.step() % cfg.checkpointEvery() == 0 && midEpoch
            && chief) {
          attention.flush();
          last = save(store, s, tg, state, last);
        }
        if (opt.budgetSpent(state.step()) && midEpoch) {
          if (chief) {
            attention.flush();
            last = save(store, s, tg, state, last);
          }
          return false;
        }
      }
      return true;
    }

    /**
     * Validates on the inference graph with the weights the export would use (the chief
     * validates, the other workers receive its accuracy), logs the epoch, calls back, applies
     * early stopping and checkpoints.
     */
    void endEpoch() throws IOException {
      int epoch = state.epoch();
      InferenceModel.Evaluation ev = chief ? validate(s, tg, eval, evalWeights)
          : new InferenceModel.Evaluation(Double.NaN, Map.of());
      testAcc = replica.distributed() ? fromChief(s, tg, chief ? ev.accuracy() : 0)
          : ev.accuracy();
      if (chief && spec.annealsTemperature() && state.temperature() != cfg.temperatureEnd()) {
        // Attention statistics at the temperature training runs at now (the graph's default,
        // used above, is the final temperature).
        ev = new InferenceModel.Evaluation(testAcc,
            eval.evaluate(test, 250, state.temperature()).routingEntropy());
      }
      boolean improved = Double.isNaN(state.bestTestAccuracy())
          || testAcc > state.bestTestAccuracy();
      double best = improved ? testAcc : state.bestTestAccuracy();
      int stale = improved ? 0 : state.epochsWithoutImprovement() + 1;
      double epochSecs = (System.nanoTime() - epochStart) / 1e9;
      double lastLr = shape.lr.at(state.step() - 1);
      if (chief) {
        log.append(epoch + 1, state.step(), counted == 0 ? Double.NaN : lossSum / counted,
            counted == 0 ? Double.NaN : accSum / counted, testAcc,
            spec.annealsTemperature() ? state.temperature() : Double.NaN, lastLr, epochSecs,
            ev.routingEntropy());
      }
      opt.out().printf("epoch %d/%d: train loss %.4f acc %.4f | %s acc %.4f%s | %.1f s%n",
          epoch + 1, cfg.epochs(), lossSum / Math.max(1, counted), accSum / Math.max(1, counted),
          opt.evaluationName(), testAcc, temperatureNote(state.temperature(), ev.routingEntropy()),
          epochSecs);
      if (chief) {
        attention.flush();
      }
      for (TrainingCallback cb : opt.callbacks()) {
        cb.onEpochEnd(new TrainingCallback.EpochSummary(epoch + 1, state.step(),
            lossSum / Math.max(1, counted), accSum / Math.max(1, counted), testAcc, best,
            spec.annealsTemperature() ? state.temperature() : Double.NaN, lastLr, epochSecs,
            ev.routingEntropy()));
      }
      boolean stop = cfg.earlyStoppingPatience() > 0 && stale >= cfg.earlyStoppingPatience()
          && epoch + 1 < cfg.epochs();
      if (stop) {
        opt.out().printf("early stopping after epoch %d: the validation accuracy has not"
            + " improved for %d epochs (best %.4f)%n", epoch + 1, stale, best);
      }
      // A run stopped early is saved as finished, so --resume does not train it further.
      state = new TrainState(state.step(), stop ? cfg.epochs() : epoch + 1, 0,
          state.temperature(), best, 0, 0, stale, shape.imagesPerStep);
      if (chief) {
        last = save(store, s, tg, state, last);
      }
      stoppedEarly = stop;
    }

    /** Waits for the other workers, cleans up, and returns the last validation accuracy. */
    double finish() throws IOException {
      if (replica.distributed()) {
        // No worker leaves while another may still be exchanging with it.
        s.runner().fetch(tg.barrier).run().close();
      }
      if (chief) {
        AtomicFiles.deleteTree(evalWeights.getParent());
      }
      if (Double.isNaN(testAcc) && chief) {
        // A finished run resumed trains nothing; its result is the last epoch's, from the log.
        testAcc = log.lastTestAccuracy();
      }
      return testAcc;
    }
  }

  /**
   * Saves a checkpoint unless a variable has become NaN or infinite (then training stops), and
   * tells the callbacks.
   */
  private CheckpointStore.Checkpoint save(CheckpointStore store, Session s, TrainGraph tg,
      TrainState state, CheckpointStore.Checkpoint last) throws IOException {
    boolean finite;
    try (org.tensorflow.Result r = s.runner().fetch(tg.allFinite).run()) {
      finite = ((org.tensorflow.types.TBool) r.get(0)).getBoolean();
    }
    if (!finite) {
      throw new TrainingDiverged("training stopped at epoch " + (state.epoch() + 1) + ", step "
          + state.step() + ": a weight or optimizer slot is NaN or infinite; the last good checkpoint"
          + " is " + (last == null ? "none (nothing was saved yet)" : last.dir().toString()) + ".");
    }
    CheckpointStore.Checkpoint c = store.save(s, state);
    for (TrainingCallback cb : opt.callbacks()) {
      cb.onCheckpoint(c);
    }
    return c;
  }

  private float[] runStep(Session s, TrainGraph tg, float[] pixels, int[] labels, int n,
      double learningRate, double temperature, long step, boolean withEntropy) {
    List<Tensor> in = new ArrayList<>();
    try {
      TFloat32 x = Tensors.of(Shape.of(n, spec.height(), spec.width(), spec.channels()), pixels);
      in.add(x);
      TInt32 y = TInt32.tensorOf(Shape.of(n), DataBuffers.of(labels, true, false));
      in.add(y);
      TFloat32 rate = TFloat32.scalarOf((float) learningRate);
      in.add(rate);
      // Every worker feeds the step's seed; each takes its rows of the global batch's masks
      // (BatchRows), so the masks are those of one process.
      TInt64 seed = TInt64.vectorOf(cfg.seed(), step);
      in.add(seed);
      Session.Runner r = s.runner().feed(tg.model.images(), x).feed(tg.labels, y)
          .feed(tg.learningRate, rate).feed(tg.model.stepSeed(), seed);
      if (tg.model.temperature() != null) {
        TFloat32 t = TFloat32.scalarOf((float) temperature);
        in.add(t);
        r.feed(tg.model.temperature(), t);
      }
      if (tg.ema != null) {
        TFloat32 d = TFloat32.scalarOf((float) tg.ema.decayAt(step + 1));
        in.add(d);
        r.feed(tg.ema.decayInput(), d);
      }
      r.fetch(tg.loss).fetch(tg.accuracy).addTarget(tg.step);
      if (withEntropy) {
        r.fetch(tg.routingEntropy);
      }
      try (org.tensorflow.Result res = r.run()) {
        return new float[] {((TFloat32) res.get(0)).getFloat(), ((TFloat32) res.get(1)).getFloat(),
            withEntropy ? ((TFloat32) res.get(2)).getFloat() : Float.NaN};
      }
    } finally {
      in.forEach(Tensor::close);
    }
  }

  private InferenceModel.Evaluation validate(Session s, TrainGraph tg, InferenceModel eval,
      Path evalWeights) throws IOException {
    Files.createDirectories(evalWeights.getParent());
    try (TString f = TString.scalarOf(evalWeights.toString())) {
      s.runner().feed(tg.weightsFile, f).addTarget(tg.saveWeights).run();
    }
    eval.loadWeights(evalWeights);
    return eval.evaluate(test, 250);
  }

  /**
   * Fails on every worker when the workers were started with different settings: each feeds a
   * hash of its configuration, model and data sizes, and the spread over the workers must be 0.
   */
  private void checkSameSettings(Session s, TrainGraph tg, long imagesPerStep) {
    String settings = new java.util.TreeMap<>(cfg.toMap()) + "|" + spec.name() + "|" + train.size()
        + "|" + test.size() + "|" + imagesPerStep + "|" + opt.replica().syncBatchNorm();
    float hash = settings.hashCode() & 0xFFFFFF;
    try (TFloat32 h = TFloat32.scalarOf(hash);
        org.tensorflow.Result r = s.runner().feed(tg.settingsHash, h).fetch(tg.settingsSpread)
            .run()) {
      if (((TFloat32) r.get(0)).getFloat() != 0f) {
        throw new IllegalArgumentException(opt.replica() + ": the workers were started with"
            + " different settings (the hashes of their options, model and data sizes differ);"
            + " expected the same train command and data on every worker.");
      }
    }
  }

  /** The chief's {@code value} on every worker (each feeds its own; only the chief's counts). */
  private static double fromChief(Session s, TrainGraph tg, double value) {
    try (TFloat32 v = TFloat32.scalarOf((float) value);
        org.tensorflow.Result r = s.runner().feed(tg.chiefValue, v).fetch(tg.valueFromChief).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  /**
   * A checkpoint's state for a run whose global batch is now {@code imagesPerStep}: when the
   * number of workers changed, the step count is converted so that the same images of the epoch
   * count as done and the schedules continue at the same point of the run.
   *
   * @param legacyImagesPerStep the global batch of a checkpoint that did not record it
   */
  static TrainState rescale(TrainState s, long imagesPerStep, int stepsPerEpoch,
      long legacyImagesPerStep) {
    long before = s.imagesPerStep() > 0 ? s.imagesPerStep() : legacyImagesPerStep;
    if (before == imagesPerStep) {
      return new TrainState(s.step(), s.epoch(), s.stepInEpoch(), s.temperature(),
          s.bestTestAccuracy(), s.epochLossSum(), s.epochAccuracySum(),
          s.epochsWithoutImprovement(), imagesPerStep);
    }
    long images = s.stepInEpoch() * before;
    if (images % imagesPerStep != 0) {
      throw new IllegalArgumentException("--resume: the checkpoint is " + s.stepInEpoch()
          + " steps of " + before + " images (" + images + ") into epoch " + (s.epoch() + 1)
          + ", which is not a"
          + " whole number of steps of " + imagesPerStep + " images (the global batch now); expected"
          + " the run's earlier number of workers, or a checkpoint at an epoch's end.");
    }
    int k = (int) (images / imagesPerStep);
    double scale = s.stepInEpoch() == 0 ? 0 : (double) k / s.stepInEpoch();
    return new TrainState((long) s.epoch() * stepsPerEpoch + k, s.epoch(), k, s.temperature(),
        s.bestTestAccuracy(), s.epochLossSum() * scale, s.epochAccuracySum() * scale,
        s.epochsWithoutImprovement(), imagesPerStep);
  }

  private LearningRateSchedule schedule(int stepsPerEpoch, long totalSteps) {
    LearningRateSchedule base = switch (cfg.schedule()) {
      case "constant" -> new LearningRateSchedule.Constant(cfg.learningRate());
      case "step" -> new LearningRateSchedule.StepDecay(cfg.learningRate(), 0.1,
          Math.max(1, totalSteps / 3));
      default -> new LearningRateSchedule.Cosine(cfg.learningRate(), totalSteps, 0);
    };
    long warmup = Math.round(cfg.warmupEpochs() * stepsPerEpoch);
    return warmup > 0 ? new LearningRateSchedule.Warmup(base, warmup) : base;
  }

  /** " | T 1.00 | attention entropy 1.234" for annealed models (entropy when they route). */
  private String temperatureNote(double temperature, Map<String, Double> entropy) {
    if (!spec.annealsTemperature()) {
      return "";
    }
    return String.format(" | T %.2f", temperature) + (entropy.isEmpty() ? ""
        : String.format(" | attention entropy %.3f", mean(entropy)));
  }

  private static double mean(Map<String, Double> m) {
    return m.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}

package org.dynconv.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.dynconv.blocks.ConvType;
import org.dynconv.data.FashionMnist;
import org.dynconv.data.ImageFolder;
import org.dynconv.data.ImageSource;
import org.dynconv.graph.Threads;
import org.dynconv.models.ModelZoo;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;
import org.dynconv.train.distributed.Cluster;
import org.dynconv.train.distributed.Peers;
import org.dynconv.train.distributed.Replica;
import org.dynconv.train.distributed.Supervisor;
import org.dynconv.train.distributed.WorkerServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = "Train a model on Fashion-MNIST (the embedded subset unless"
    + " --data is given) or an ImageFolder directory, validating every epoch and checkpointing"
    + " under --out.")
final class TrainCommand implements Callable<Integer> {
  private static final TrainConfig D = TrainConfig.defaults();

  @Spec
  CommandLine.Model.CommandSpec cmd;

  @Option(names = "--model", defaultValue = "small-cnn",
      description = "Model family or zoo name (default small-cnn; see 'models').")
  String model;

  @Option(names = "--conv",
      description = "static, condconv, dynamic, dcd or odconv (default condconv).")
  String conv;

  @Option(names = "--experts", defaultValue = "0",
      description = "Experts E (CondConv), kernels K (DynamicConv) or n (ODConv); 0 = the model's"
          + " default (4; ODConv 1).")
  int experts;

  @Option(names = "--epochs", defaultValue = "8", description = "Epochs (default 8).")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default 64).")
  int batchSize;

  @Option(names = "--lr", defaultValue = "0.05", description = "Peak learning rate (default 0.05).")
  double lr;

  @Option(names = "--optimizer", defaultValue = "sgd",
      description = "sgd (Nesterov momentum), adam or rmsprop (default sgd).")
  String optimizer;

  @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum (default 0.9).")
  double momentum;

  @Option(names = "--schedule", defaultValue = "cosine",
      description = "constant, step (x0.1 every third of the run) or cosine (default).")
  String schedule;

  @Option(names = "--warmup-epochs", defaultValue = "0.5",
      description = "Linear warm-up in epochs (default 0.5).")
  double warmupEpochs;

  @Option(names = "--weight-decay", defaultValue = "5e-4", description = "L2 (default 5e-4).")
  double weightDecay;

  @Option(names = "--decay-routing", negatable = true, defaultValue = "true",
      fallbackValue = "true", description = "Apply weight decay to routing and attention parameters"
          + " too (the default, as the papers' code); --no-decay-routing exempts them.")
  boolean decayRouting;

  @Option(names = "--label-smoothing", defaultValue = "0", description = "Default 0.")
  double labelSmoothing;

  @Option(names = "--clip-norm", defaultValue = "0",
      description = "Clip gradients to this global norm; 0 = off (default).")
  double clipNorm;

  @Option(names = "--ema", defaultValue = "0",
      description = "EMA decay of the weights used for validation and export; 0 = off (default).")
  double ema;

  @Option(names = "--temperature-start", defaultValue = "30",
      description = "DynamicConv temperature at step 0 (default 30).")
  double temperatureStart;

  @Option(names = "--temperature-end", defaultValue = "1",
      description = "Temperature after annealing (default 1).")
  double temperatureEnd;

  @Option(names = "--temperature-epochs", defaultValue = "2",
      description = "Anneal linearly over this many epochs, per step (default 2).")
  double temperatureEpochs;

  @Option(names = "--augment",
      description = "Random crop (2 pixels of padding) and horizontal flip; off by default.")
  boolean augment;

  @Option(names = "--checkpoint-every", defaultValue = "0",
      description = "Also checkpoint every N steps; 0 = at epoch ends only (default).")
  int checkpointEvery;

  @Option(names = "--train-limit", defaultValue = "0",
      description = "Use only the first N training images; 0 = all (default).")
  int trainLimit;

  @Option(names = "--init-from", description = "Warm-start from a SavedModel directory (e.g. from"
      + " import-google) or a checkpoint prefix: variables with the same name and shape are"
      + " loaded, the rest (a new head) initialised.")
  Path initFrom;

  @Option(names = "--num-classes", defaultValue = "0",
      description = "Classifier outputs (a new head); 0 = the model's own.")
  int numClasses;

  @Option(names = "--resolution", defaultValue = "0",
      description = "Input size: an EfficientNet's (e.g. 28 for Fashion-MNIST), and the side an"
          + " ImageFolder's images are resized to (bicubic); 0 = the model's own, with images of"
          + " one size.")
  int resolution;

  @Option(names = "--channels", defaultValue = "0",
      description = "Channels an ImageFolder's images are converted to: 1 (grey) or 3 (RGB); 0 ="
          + " the model's (default).")
  int channels;

  @Option(names = "--stop-at-step", defaultValue = "0", paramLabel = "N",
      description = "Train until global step N, checkpoint and exit without exporting; --resume"
          + " continues exactly (a job's time slice). 0 = the whole run (default).")
  long stopAtStep;

  @Option(names = "--early-stopping", defaultValue = "0",
      description = "Stop when the validation accuracy has not improved for N epochs; 0 = off"
          + " (default).")
  int earlyStopping;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default 1).")
  long seed;

  @Option(names = "--data", description = "Directory with the four Fashion-MNIST IDX files, or"
      + " an ImageFolder: DIR/train/<class>/*.png|jpg and DIR/test/<class>/* (labels from the"
      + " folder names, sorted).")
  Path data;

  @Option(names = "--out", description = "Run directory (default runs/<model>-<time>).")
  Path out;

  @Option(names = "--resume", description = "Continue the run in --out (default: the newest run"
      + " of the model under runs/) from its latest checkpoint, with its saved settings.")
  boolean resume;

  @Option(names = "--export", description = "Export the trained model as a SavedModel here"
      + " (default <run>/export).")
  Path export;

  @Option(names = "--no-export", description = "Do not export at the end.")
  boolean noExport;

  @Option(names = "--workers", defaultValue = "1",
      description = "Data-parallel workers on this machine: starts N processes on free loopback"
          + " ports, each taking --batch-size images of every step (default 1: this process).")
  int workers;

  @Option(names = "--cluster", description = "Run one worker of a multi-host run: a file with"
      + " every worker's host:port, one per line, task 0 first; the same command on every host,"
      + " each with its --task. --out must be a directory all workers share.")
  Path cluster;

  @Option(names = "--task", defaultValue = "-1",
      description = "This worker's line in --cluster, from 0 (worker 0 writes the run).")
  int task;

  @Option(names = "--collective-timeout", defaultValue = "300",
      description = "Seconds a worker waits for the others at a step before it fails"
          + " (default 300).")
  double collectiveTimeout;

  @Option(names = "--sync-batchnorm", description = "With several workers: BatchNorm normalises"
      + " with the moments of the global batch, all-reduced at every layer (Google's cross-replica"
      + " BatchNorm); by default each worker uses its own slice's. In one process: the same"
      + " composed formula instead of TensorFlow's fused BatchNorm, to compare with such a run.")
  boolean syncBatchNorm;

  @Option(names = "--max-restarts", defaultValue = "2",
      description = "With --workers: restart all workers from the last checkpoint after a"
          + " failure up to this many times (default 2).")
  int maxRestarts;

  @Mixin ThreadOptions threads;

  @Override
  public Integer call() throws IOException {
    String modelName = resolveModel();
    boolean folder = data != null && ImageFolder.isImageFolder(data);
    ImageFolder.Split images = folder ? openFolder(modelName) : null;
    TrainConfig cfg = config(modelName, images);
    Threads th = threads.value();
    Replica replica = replica();
    Path runDir = out != null ? out : defaultRunDir(modelName);
    Trainer.RunDirState state = Trainer.runDirState(runDir);
    if (resume && state == Trainer.RunDirState.NONE) {
      throw new CliErrors.UsageError("--resume: '" + runDir + "' holds no training run; expected"
          + " the --out of an earlier 'train'.");
    }
    if (!resume && replica.chief() && state == Trainer.RunDirState.CHECKPOINTED) {
      throw new CliErrors.UsageError("--out '" + runDir + "' already holds a training run;"
          + " expected --resume to continue it, or another --out.");
    }
    if (resume) {
      cfg = resumedConfig(runDir, cfg);
    }
    ImageSource trainSet, testSet;
    if (images != null) {
      trainSet = images.train();
      testSet = images.test();
    } else {
      FashionMnist.Split split = data == null ? FashionMnist.embedded()
          : FashionMnist.fromDirectory(data);
      trainSet = split.train();
      testSet = split.test();
    }
    Trainer trainer;
    try {
      trainer = new Trainer(cfg, trainSet, testSet,
          Trainer.Options.builder(runDir).resume(resume).threads(th).stopAtStep(stopAtStep)
              .redraw(System.console() != null).replica(replica).build());
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
    if (export != null && noExport) {
      throw new CliErrors.UsageError("--export and --no-export exclude each other.");
    }
    Path exportDir = noExport || !replica.chief() ? null
        : export != null ? export : runDir.resolve("export");
    if (exportDir != null && Files.exists(exportDir)) {
      throw new CliErrors.UsageError("--export '" + exportDir + "' exists; expected a new directory.");
    }
    if (workers > 1) {
      return supervise(runDir);
    }
    Trainer.Result r;
    if (replica.distributed()) {
      Supervisor.watchParent();
      WorkerServer.start(replica.cluster(), th);
      try {
        r = trainer.run();
      } catch (RuntimeException e) {
        if (Peers.isCollectiveFailure(e)) {
          throw new IllegalStateException(Peers.describe(replica.cluster(), collectiveTimeout,
              Supervisor.supervised()), e);
        }
        throw e;
      }
    } else {
      r = trainer.run();
    }
    if (r.stoppedAtStep()) {
      System.out.println("stopped at step " + r.steps() + " (--stop-at-step " + stopAtStep
          + "); checkpoint " + r.checkpoint().dir() + "; train --resume --out " + runDir
          + " continues");
      return 0;
    }
    if (exportDir != null) {
      Path dir = ExportCommand.exportRun(org.dynconv.train.RunDirectory.open(runDir),
          new org.dynconv.export.SavedModelExporter.Target(exportDir, false, 0), th);
      System.out.println("exported SavedModel to " + dir);
    }
    System.out.printf("done: test accuracy %.2f%% | %,d parameters | %,d MACs/image | %s wall time"
        + " (%d steps) | run %s%n", 100 * r.testAccuracy(), r.parameters(), r.macsPerImage(),
        clock(r.seconds()), r.steps(), runDir);
    if (replica.distributed() && !replica.chief()) {
      // A grace period: the chief may still be reading this worker's last exchange.
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }

  /** Which worker this process is, from --cluster and --task; checks the distributed options. */
  private Replica replica() throws IOException {
    if (stopAtStep < 0) {
      throw new CliErrors.UsageError("--stop-at-step=" + stopAtStep + " is invalid; expected 0"
          + " (the whole run) or a global step >= 1.");
    }
    if (workers < 1) {
      throw new CliErrors.UsageError("--workers=" + workers + " is invalid; expected >= 1.");
    }
    if (maxRestarts < 0) {
      throw new CliErrors.UsageError("--max-restarts=" + maxRestarts
          + " is invalid; expected >= 0.");
    }
    if (!(collectiveTimeout > 0) || !Double.isFinite(collectiveTimeout)) {
      throw new CliErrors.UsageError("--collective-timeout=" + collectiveTimeout
          + " is invalid; expected a finite number of seconds > 0.");
    }
    if (cluster == null) {
      if (task != -1) {
        throw new CliErrors.UsageError("--task=" + task + " needs --cluster FILE.");
      }
      return Replica.single().withSyncBatchNorm(syncBatchNorm);
    }
    if (workers > 1) {
      throw new CliErrors.UsageError("--workers and --cluster exclude each other: --workers starts"
          + " local workers, --cluster FILE --task I runs one of a cluster.");
    }
    if (task < 0) {
      throw new CliErrors.UsageError("--cluster needs --task I, this worker's line in '" + cluster
          + "' (from 0).");
    }
    if (out == null) {
      throw new CliErrors.UsageError("--cluster needs --out DIR, the run directory every worker"
          + " shares.");
    }
    try {
      return Replica.of(Cluster.read(cluster, task), collectiveTimeout)
          .withSyncBatchNorm(syncBatchNorm);
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
  }

  /** --workers N: this process starts and watches N worker processes. */
  private int supervise(Path runDir) throws IOException {
    List<String> args = new java.util.ArrayList<>();
    // The parse result holds the whole command line; the workers get what follows "train".
    List<String> given = cmd.commandLine().getParseResult().originalArgs();
    for (int i = given.indexOf(cmd.name()) + 1; i < given.size(); i++) {
      String a = given.get(i);
      if (a.equals("--workers") || a.equals("--max-restarts")) {
        i++;
      } else if (!a.startsWith("--workers=") && !a.startsWith("--max-restarts=")) {
        args.add(a);
      }
    }
    if (out == null) {
      args.addAll(List.of("--out", runDir.toString()));
    }
    try {
      return Supervisor.run(new Supervisor.Launch(args, runDir, workers, maxRestarts, System.out));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private String resolveModel() {
    if (conv != null) {
      try {
        ConvType.parse(conv);
      } catch (IllegalArgumentException e) {
        throw new CliErrors.UsageError("--conv=" + conv + " is invalid; expected static, condconv,"
            + " dynamic, dcd or odconv.");
      }
    }
    String c = conv == null ? "condconv" : conv;
    if (ModelZoo.names().contains(model + "-" + c)) {
      return model + "-" + c;
    }
    if (ModelZoo.names().contains(model)) {
      if (conv != null) {
        throw new CliErrors.UsageError("--conv=" + conv + " does not apply to --model=" + model
            + "; expected --conv only with a model family such as small-cnn.");
      }
      return model;
    }
    throw new CliErrors.UsageError("--model=" + model + (conv == null ? "" : " --conv=" + conv)
        + " is unknown; expected a family (" + String.join(", ", ModelZoo.families())
        + " with --conv static|condconv|dynamic|dcd|odconv) or one of " + ModelZoo.summary() + ".");
  }

  /**
   * Opens an ImageFolder --data: resized to --resolution when given, converted to --channels or the
   * model's channels.
   */
  private ImageFolder.Split openFolder(String modelName) throws IOException {
    if (channels != 0 && channels != 1 && channels != 3) {
      throw new CliErrors.UsageError("--channels=" + channels + " is invalid; expected 1 or 3.");
    }
    if (resolution < 0 || resolution > 4096) {
      throw new CliErrors.UsageError("--resolution=" + resolution + " is invalid; expected 0 (the"
          + " images' own size) or 1..4096.");
    }
    int c = channels > 0 ? channels : ModelZoo.get(modelName).channels();
    ImageFolder.Split split = ImageFolder.open(data, new ImageFolder.Options(resolution, c));
    if (split.skippedSummary() != null) {
      System.err.println("dynconv train: warning: " + split.skippedSummary());
    }
    System.out.printf("data: %s, %d training and %d test images of %dx%dx%d, %d classes (%s)%n",
        data, split.train().size(), split.test().size(), split.train().height(),
        split.train().width(), split.train().channels(), split.train().numClasses(),
        String.join(", ", split.train().classNames()));
    return split;
  }

  private TrainConfig config(String modelName, ImageFolder.Split images) {
    positive("--epochs", epochs);
    positive("--batch-size", batchSize);
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new CliErrors.UsageError("--lr=" + lr + " is invalid; expected a finite number > 0.");
    }
    if (experts < 0) {
      throw new CliErrors.UsageError("--experts=" + experts + " is invalid; expected >= 1.");
    }
    try {
      org.dynconv.models.ModelSpec zoo = ModelZoo.get(modelName);
      // An ImageFolder's --resolution resizes the images; only an EfficientNet changes its own.
      int modelResolution = resolution;
      int classes = numClasses;
      if (images != null) {
        boolean resizable = zoo instanceof org.dynconv.models.EfficientNet;
        if (!resizable && resolution > 0) {
          if (resolution != zoo.height() || resolution != zoo.width()) {
            throw new IllegalArgumentException("--resolution=" + resolution + ": model '"
                + modelName + "' takes " + zoo.height() + "x" + zoo.width() + " images; expected"
                + " --resolution " + zoo.height() + " (the images are resized to it) or an"
                + " EfficientNet, whose resolution can change.");
          }
          modelResolution = 0;
        }
        // The head follows the folder's classes unless --num-classes says otherwise.
        if (classes == 0 && images.train().numClasses() != zoo.numClasses()) {
          classes = images.train().numClasses();
          System.out.printf("model: a new %d-class head for the folder's classes%n", classes);
        }
      }
      TrainConfig c = TrainConfig.builder().model(modelName).experts(experts).epochs(epochs)
          .batchSize(batchSize).seed(seed).optimizer(optimizer).learningRate(lr).momentum(momentum)
          .schedule(schedule).warmupEpochs(warmupEpochs).weightDecay(weightDecay)
          .labelSmoothing(labelSmoothing).clipNorm(clipNorm).emaDecay(ema)
          .temperature(temperatureStart, temperatureEnd, temperatureEpochs).augment(augment)
          .checkpointEvery(checkpointEvery).trainLimit(trainLimit)
          .initFrom(initFrom == null ? "" : initFrom.toString()).numClasses(classes)
          .resolution(modelResolution).decayRouting(decayRouting)
          .earlyStoppingPatience(earlyStopping).build();
      c.modelSpec();
      if (initFrom != null && !java.nio.file.Files.exists(initFrom)
          && !java.nio.file.Files.exists(Path.of(initFrom + ".index"))) {
        throw new IllegalArgumentException("--init-from '" + initFrom + "' does not exist; expected a"
            + " SavedModel directory or a checkpoint prefix.");
      }
      return c;
    } catch (IllegalArgumentException e) {
      throw new CliErrors.UsageError(e.getMessage());
    }
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new CliErrors.UsageError(name + "=" + v + " is invalid; expected an integer >= 1.");
    }
  }

  /** The saved settings, refusing explicit options that would change them. */
  private TrainConfig resumedConfig(Path runDir, TrainConfig asked) throws IOException {
    TrainConfig saved = Trainer.readRunConfig(runDir);
    Map<String, String> optionOf = new LinkedHashMap<>();
    optionOf.put("model", "--model");
    optionOf.put("experts", "--experts");
    optionOf.put("epochs", "--epochs");
    optionOf.put("batchSize", "--batch-size");
    optionOf.put("seed", "--seed");
    optionOf.put("optimizer", "--optimizer");
    optionOf.put("learningRate", "--lr");
    optionOf.put("momentum", "--momentum");
    optionOf.put("schedule", "--schedule");
    optionOf.put("warmupEpochs", "--warmup-epochs");
    optionOf.put("weightDecay", "--weight-decay");
    optionOf.put("labelSmoothing", "--label-smoothing");
    optionOf.put("clipNorm", "--clip-norm");
    optionOf.put("emaDecay", "--ema");
    optionOf.put("temperatureStart", "--temperature-start");
    optionOf.put("temperatureEnd", "--temperature-end");
    optionOf.put("temperatureEpochs", "--temperature-epochs");
    optionOf.put("augment", "--augment");
    optionOf.put("checkpointEvery", "--checkpoint-every");
    optionOf.put("trainLimit", "--train-limit");
    optionOf.put("initFrom", "--init-from");
    optionOf.put("numClasses", "--num-classes");
    optionOf.put("resolution", "--resolution");
    optionOf.put("decayRouting", "--decay-routing");
    optionOf.put("earlyStoppingPatience", "--early-stopping");
    var parsed = cmd.commandLine().getParseResult();
    Map<String, String> a = asked.toMap(), s = saved.toMap();
    for (var e : optionOf.entrySet()) {
      String key = e.getKey(), option = e.getValue();
      boolean given = option.equals("--model") ? parsed.hasMatchedOption("--model")
          || parsed.hasMatchedOption("--conv") : parsed.hasMatchedOption(option);
      if (given && !a.get(key).equals(s.get(key))) {
        throw new CliErrors.UsageError(option + " asks for " + key + "=" + a.get(key)
            + " but the run in '" + runDir + "' was started with " + s.get(key)
            + "; a resumed run keeps its saved settings.");
      }
    }
    return saved;
  }

  private Path defaultRunDir(String modelName) throws IOException {
    Path runs = Path.of("runs");
    if (!resume) {
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      return runs.resolve(modelName + "-" + stamp);
    }
    if (!Files.isDirectory(runs)) {
      throw new CliErrors.UsageError("--resume: no --out given and no runs/ directory here;"
          + " expected --out DIR of an earlier run.");
    }
    try (Stream<Path> s = Files.list(runs)) {
      return s.filter(p -> p.getFileName().toString().startsWith(modelName + "-"))
          .filter(p -> Files.isRegularFile(p.resolve("run.properties")))
          .max(Path::compareTo)
          .orElseThrow(() -> new CliErrors.UsageError("--resume: no run of " + modelName
              + " under runs/; expected --out DIR of an earlier run."));
    }
  }

  private static String clock(double s) {
    long t = Math.round(s);
    return t >= 60 ? String.format("%dm%02ds", t / 60, t % 60) : t + "s";
  }
}

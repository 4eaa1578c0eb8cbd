package org.dynconv.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code dynconv} command line: {@code java -jar target/dynconv.jar <command>}. */
// INHERIT gives every subcommand --help (and --version) too.
@Command(name = "dynconv", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
    description = "Dynamic convolution (CondConv, DynamicConv, DCD, ODConv) for TensorFlow Java.",
    versionProvider = Main.Version.class,
    subcommands = {VersionCommand.class, ModelsCommand.class, TrainCommand.class,
        ExportCommand.class, PredictCommand.class, InspectCommand.class,
        InspectCheckpointCommand.class, CompareCheckpointsCommand.class, ImportGoogleCommand.class,
        AnalyzeCommand.class, BenchCommand.class, StudyCommand.class, ServeCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "no command given");
  }

  /** {@code --version}: the same first lines as the {@code version} command. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      BuildInfo b = BuildInfo.read();
      return new String[] {"dynconv " + b.dynconv(), "TensorFlow Java " + b.tensorflowJava(),
          "TensorFlow runtime " + b.tensorflowRuntime()};
    }
  }

  /** Runs the command line and returns its exit code (0 ok, 1 runtime error, 2 usage error). */
  public static int run(String... args) {
    return run(new java.io.PrintWriter(System.err, true), args);
  }

  /** As {@link #run(String...)}, with error messages going to {@code err}. */
  public static int run(java.io.PrintWriter err, String... args) {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setErr(err);
    CliErrors.install(cmd);
    return cmd.execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }
}

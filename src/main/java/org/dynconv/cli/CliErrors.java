package org.dynconv.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * One-line error reporting for every command: usage errors (bad or missing arguments) exit 2,
 * runtime errors exit 1; the stack trace only with {@code --verbose}.
 */
final class CliErrors {
  private CliErrors() {}

  static void install(CommandLine cmd) {
    cmd.setParameterExceptionHandler(CliErrors::usage);
    cmd.setExecutionExceptionHandler((ex, c, parsed) -> runtime(ex, c, parsed));
  }

  private static int usage(CommandLine.ParameterException ex, String[] args) {
    PrintWriter err = ex.getCommandLine().getErr();
    String name = label(ex.getCommandLine());
    err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
    if (verbose(args)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return 2;
  }

  private static int runtime(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    if (ex instanceof UsageError) {
      err.println(label(cmd) + ": " + oneLine(ex.getMessage()));
      err.flush();
      return 2;
    }
    String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    err.println(label(cmd) + ": error: " + oneLine(msg));
    if (verbose(parsed.originalArgs().toArray(new String[0]))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return 1;
  }

  /** "dynconv" or "dynconv train". */
  private static String label(CommandLine cmd) {
    return cmd.getParent() == null ? "dynconv" : "dynconv " + cmd.getCommandName();
  }

  static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  private static boolean verbose(String[] args) {
    for (String a : args) {
      if (a.equals("--verbose") || a.equals("-v")) {
        return true;
      }
    }
    return false;
  }

  /** A bad argument value found after parsing (exit 2). */
  static final class UsageError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }
}

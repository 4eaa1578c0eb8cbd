package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI reference page ({@code src/site/markdown/reference/cli.md}) is the picocli help of every
 * command, word for word. When the help changes, regenerate the page with {@code mvn -q test
 * -Dtest=CliReferenceTest -Ddynconv.writeCliReference=true} and commit it.
 */
class CliReferenceTest {
  static final Path PAGE = Path.of("src/site/markdown/reference/cli.md");

  static String render() {
    CommandLine root = new CommandLine(new Main());
    StringBuilder sb = new StringBuilder();
    sb.append("# The command line\n\n")
        .append("`java -jar target/dynconv.jar <command> [options]`. Usage errors (bad or\n")
        .append("missing arguments) exit 2, runtime errors (missing, truncated or corrupt files,\n")
        .append("a failed run) exit 1, each with a one-line message; `--verbose` adds the stack\n")
        .append("trace. This page is the `--help` of every command, generated from the program\n")
        .append("and kept equal to it by `CliReferenceTest`.\n\n");
    sb.append("## dynconv\n\n```\n").append(usage(root)).append("```\n");
    for (var e : root.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      sb.append("\n## ").append(e.getKey()).append("\n\n```\n").append(usage(e.getValue()))
          .append("```\n");
    }
    return sb.toString();
  }

  private static String usage(CommandLine cmd) {
    StringWriter out = new StringWriter();
    cmd.usage(new PrintWriter(out, true), CommandLine.Help.Ansi.OFF);
    return out.toString();
  }

  @Test
  void thePageIsTheProgramsHelp() throws IOException {
    String want = render();
    if (Boolean.getBoolean("dynconv.writeCliReference")) {
      Files.createDirectories(PAGE.getParent());
      Files.writeString(PAGE, want);
    }
    assertEquals(want, Files.readString(PAGE), "regenerate " + PAGE
        + " with -Ddynconv.writeCliReference=true (see this test's javadoc)");
  }
}

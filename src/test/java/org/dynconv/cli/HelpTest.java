package org.dynconv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code <command> --help} and {@code help <command>} print the command's usage and exit 0. */
class HelpTest {
  private static String help(int expectedExit, String... args) {
    CommandLine cmd = new CommandLine(new Main());
    StringWriter out = new StringWriter();
    cmd.setOut(new PrintWriter(out, true));
    assertEquals(expectedExit, cmd.execute(args), String.join(" ", args));
    return out.toString();
  }

  @Test
  void everyCommandHasHelpListingItsOptions() {
    CommandLine root = new CommandLine(new Main());
    assertTrue(root.getSubcommands().size() >= 11, root.getSubcommands().keySet().toString());
    for (var e : root.getSubcommands().entrySet()) {
      String name = e.getKey();
      String text = help(0, name, "--help");
      assertTrue(text.contains("Usage: dynconv " + name), name + ":\n" + text);
      for (CommandLine.Model.OptionSpec o : e.getValue().getCommandSpec().options()) {
        // picocli shows a negatable --x as --[no-]x.
        String shown = o.negatable() ? o.longestName().replaceFirst("^--", "--[no-]") : o.longestName();
        assertTrue(text.contains(shown), name + " help lacks " + shown);
      }
      if (!name.equals("help")) {
        assertEquals(text, help(0, "help", name), "help " + name);
      }
    }
  }
}

package org.dynconv.testing;

import static net.bytebuddy.matcher.ElementMatchers.named;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.Arrays;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Runs a main class with a pause at one exact point of dynconv's code, so that a crash test can
 * kill the process there. The pause is added from outside by advising a method (Byte Buddy), so
 * main code carries no test hook.
 *
 * <pre>java -cp ... org.dynconv.testing.PauseAt POINT:MILLIS[:NTH] MAIN_CLASS [ARGS...]</pre>
 *
 * The NTH (default first) time the program reaches POINT, it prints {@code paused at POINT} to
 * standard error and sleeps MILLIS. Points:
 *
 * <ul>
 *   <li>{@code checkpoint}: a checkpoint is fully written to its temporary directory and is about
 *       to be renamed into place ({@code AtomicFiles.move} of a {@code .tmp-ckpt-*} directory);
 *   <li>{@code export}: a SavedModel is staged and about to be installed ({@code
 *       SavedModelExporter.install}).
 * </ul>
 */
public final class PauseAt {
  private static String point;
  private static long millis;
  private static int nth;
  private static int hits;

  private PauseAt() {}

  public static void main(String[] args) throws Throwable {
    String[] spec = args[0].split(":");
    point = spec[0];
    millis = Long.parseLong(spec[1]);
    nth = spec.length > 2 ? Integer.parseInt(spec[2]) : 1;
    String type;
    String method;
    switch (point) {
      case "checkpoint" -> {
        type = "org.dynconv.io.AtomicFiles";
        method = "move";
      }
      case "export" -> {
        type = "org.dynconv.export.SavedModelExporter";
        method = "install";
      }
      default -> throw new IllegalArgumentException("PauseAt: point=" + point
          + " is unknown; expected checkpoint or export");
    }
    Instrumentation inst = ByteBuddyAgent.install();
    new AgentBuilder.Default()
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .type(named(type))
        .transform((builder, t, loader, module, domain) ->
            builder.visit(Advice.to(Enter.class).on(named(method))))
        .installOn(inst);
    Class.forName(args[1]).getMethod("main", String[].class)
        .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
  }

  /** Inlined at the start of the advised method; calls back into {@link #reached}. */
  public static final class Enter {
    private Enter() {}

    @Advice.OnMethodEnter
    static void enter(@Advice.AllArguments Object[] arguments) {
      PauseAt.reached(arguments);
    }
  }

  /** Called on entry to the advised method with its arguments. */
  public static synchronized void reached(Object[] arguments) {
    if (point.equals("checkpoint") && !(arguments[0] instanceof Path p
        && p.getFileName().toString().startsWith(".tmp-ckpt-"))) {
      return; // AtomicFiles.move also moves other files
    }
    if (++hits != nth) {
      return;
    }
    System.err.println("paused at " + point);
    System.err.flush();
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

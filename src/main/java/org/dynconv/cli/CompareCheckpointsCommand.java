package org.dynconv.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dynconv.checkpoint.CheckpointDiff;
import org.dynconv.checkpoint.TensorBundle;
import org.dynconv.train.CheckpointStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare-checkpoints", description = "Compare two TF V2 checkpoints variable by"
    + " variable: names, dtypes, shapes and the largest absolute difference of the values. Exits 0"
    + " when they agree within --tolerance, 1 when they do not.")
final class CompareCheckpointsCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A", description = "A checkpoint prefix (model.ckpt for"
      + " model.ckpt.index), a checkpoint directory holding model.index, or a run directory (its"
      + " latest checkpoint).")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "The same for the other checkpoint.")
  Path b;

  @Option(names = "--tolerance", defaultValue = "0", description = "Largest absolute difference"
      + " allowed per value (default 0: bit-identical).")
  double tolerance;

  @Option(names = "--all", description = "List every variable, not only those that differ.")
  boolean all;

  @Override
  public Integer call() throws Exception {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new CliErrors.UsageError("--tolerance=" + tolerance + " is invalid; expected a finite"
          + " number >= 0.");
    }
    Path pa = prefix(a, "A"), pb = prefix(b, "B");
    CheckpointDiff.Result r = CheckpointDiff.compare(TensorBundle.open(pa), TensorBundle.open(pb));
    System.out.println("A: " + pa + "\nB: " + pb);
    int beyond = 0, identical = 0;
    for (CheckpointDiff.Row row : r.rows()) {
      boolean same = row.status() == CheckpointDiff.Status.SAME_LAYOUT;
      if (same && row.maxAbsDiff() == 0) {
        identical++;
      } else if (same && row.maxAbsDiff() > tolerance) {
        beyond++;
      }
      if (all || !row.agrees(tolerance)) {
        System.out.println(same
            ? String.format(Locale.ROOT, "%-80s %-28s max |A-B| %.3e%s", row.key(), row.a(),
                row.maxAbsDiff(), row.agrees(tolerance) ? "" : "  beyond tolerance")
            : String.format(Locale.ROOT, "%-80s %s: A %s, B %s", row.key(),
                row.status().name().toLowerCase().replace('_', ' '), row.a(), row.b()));
      }
    }
    CheckpointDiff.Row largest = r.largest();
    System.out.printf(Locale.ROOT, "%d keys: %d differ in name, dtype or shape; %d identical; %d"
        + " beyond tolerance %s; largest difference %s%n", r.rows().size(),
        r.layoutDifferences().size(), identical, beyond,
        java.math.BigDecimal.valueOf(tolerance).stripTrailingZeros().toPlainString(), largest == null ? "none"
            : String.format(Locale.ROOT, "%.3e (%s)", largest.maxAbsDiff(), largest.key()));
    System.out.println(r.agrees(tolerance) ? "the checkpoints agree" : "the checkpoints differ");
    return r.agrees(tolerance) ? 0 : 1;
  }

  /** The checkpoint prefix an argument names, or a usage error saying what was expected. */
  static Path prefix(Path p, String which) throws java.io.IOException {
    if (Files.isDirectory(p)) {
      if (Files.isRegularFile(p.resolve("model.index"))) {
        return p.resolve("model");
      }
      var latest = new CheckpointStore(p).latest();
      if (latest.isPresent()) {
        return latest.get().prefix();
      }
      throw new CliErrors.UsageError(which + " '" + p + "' is a directory without model.index and"
          + " without a complete checkpoint under checkpoints/; expected a checkpoint prefix, a"
          + " checkpoint directory or a run directory.");
    }
    if (!Files.isRegularFile(p.resolveSibling(p.getFileName() + ".index"))) {
      throw new CliErrors.UsageError(which + " '" + p + "' is not a checkpoint: '" + p
          + ".index' does not exist; expected a checkpoint prefix, a checkpoint directory or a run"
          + " directory.");
    }
    return p;
  }
}

package org.dynconv.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dynconv.checkpoint.TensorBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "inspect-checkpoint", description = "List every key of a TF V2 checkpoint with its"
    + " dtype and shape (like tf.train.list_variables).")
final class InspectCheckpointCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "PREFIX",
      description = "Checkpoint prefix, e.g. model.ckpt for model.ckpt.index.")
  Path prefix;

  @Override
  public Integer call() throws Exception {
    TensorBundle b = TensorBundle.open(prefix);
    long total = 0;
    for (TensorBundle.Entry e : b.entries()) {
      System.out.printf("%-90s %-10s %s%n", e.name(), e.dtypeName(),
          e.shapeString());
      total += e.size();
    }
    System.out.printf("%d keys, %,d values%n", b.entries().size(), total);
    return 0;
  }
}

package org.dynconv.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.dynconv.models.ZooFootprint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "models", description = "List every model with its trainable parameters and"
    + " multiply-adds per image (convolutions, dense layers, routing and kernel mixing).")
final class ModelsCommand implements Callable<Integer> {
  @Option(names = "--measure", description = "Count by building every model's graph (a few"
      + " minutes) instead of reading the table stored with the code, which the tests keep equal.")
  boolean measure;

  @Override
  public Integer call() {
    System.out.printf("%-36s %14s %16s  %s%n", "model", "parameters", "MACs/image", "input");
    List<ZooFootprint.Row> rows = measure ? ZooFootprint.entries() : ZooFootprint.stored();
    for (ZooFootprint.Row row : rows) {
      ZooFootprint.Row r = measure ? ZooFootprint.measure(row) : row;
      System.out.printf("%-36s %,14d %,16d  %dx%dx%d%n", r.label(), r.parameters(), r.macs(),
          r.height(), r.width(), r.channels());
    }
    return 0;
  }
}

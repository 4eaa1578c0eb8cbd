package org.dynconv.io;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.models.ModelZoo;
import org.dynconv.testing.TestExports;

/** Exports small-cnn-static to {@code args[0]}; run by {@link StagingDirectoryTest} as a child. */
public final class ExportChild {
  private ExportChild() {}

  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    Files.createDirectories(target.getParent());
    TestExports.export(ModelZoo.get("small-cnn-static"), 1, target);
    System.out.println("EXPORTED");
  }
}

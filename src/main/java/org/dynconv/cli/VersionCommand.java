package org.dynconv.cli;

import java.util.concurrent.Callable;
import org.dynconv.conv.AutoTable;
import org.dynconv.conv.kernels.KernelLibrary;
import org.dynconv.graph.RuntimeSupport;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the dynconv, TF Java and TensorFlow runtime versions.")
final class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    BuildInfo b = BuildInfo.read();
    System.out.println("dynconv " + b.dynconv());
    System.out.println("TensorFlow Java " + b.tensorflowJava());
    System.out.println("TensorFlow runtime " + b.tensorflowRuntime());
    System.out.println("Java " + System.getProperty("java.version") + " on "
        + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    System.out.println(RuntimeSupport.describe());
    System.out.println("AUTO table " + AutoTable.source());
    System.out.println(KernelLibrary.status().describe());
    return 0;
  }
}

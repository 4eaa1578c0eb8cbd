package org.dynconv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.conv.BatchedMatMulConv;
import org.dynconv.conv.ConvKind;
import org.dynconv.conv.ConvProblem;
import org.dynconv.conv.KernelSource;
import org.dynconv.graph.LayerScope;
import org.dynconv.graph.Threads;
import org.dynconv.graph.VariableRef;
import org.dynconv.graph.Variables;
import org.dynconv.init.Initializers;
import org.dynconv.mixing.ExpertBank;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The chunk suite: how many examples BATCHED_MATMUL should mix at once. For each 1x1 layer case
 * (regular kernels), at one static batch, {@link BatchedMatMulConv} with chunks of 1, 2, 4, 8, 16
 * and the whole batch, forward and forward plus backward, each against the static Conv2D of the
 * same shape, interleaved in one process. A small chunk keeps the mixed kernels in cache but runs
 * more, smaller products; the whole batch at once runs one product over kernels that go through
 * memory (B x Cin x Cout floats). The multiply-add ratio is the same for every chunk size.
 */
public final class ChunkBench {
  private ChunkBench() {}

  /** The chunk sizes compared at {@code batch}: powers of two below it, then the whole batch. */
  static List<Integer> chunks(int batch) {
    List<Integer> out = new ArrayList<>();
    for (int c = 1; c < batch; c *= 2) {
      out.add(c);
    }
    out.add(batch);
    return out;
  }

  public static List<BenchRow> run(List<LayerCase> cases, int batch, int experts, Threads threads,
      int warmup, int reps, PrintStream log) {
    List<BenchRow> rows = new ArrayList<>();
    for (LayerCase c : cases) {
      if (!c.geometry().isPointwise() || c.kind() != ConvKind.REGULAR) {
        continue;
      }
      for (boolean train : new boolean[] {false, true}) {
        rows.addAll(one(c, batch, experts, train, threads, warmup, reps, log));
      }
    }
    return rows;
  }

  static List<BenchRow> one(LayerCase c, int b, int e, boolean train, Threads threads, int warmup,
      int reps, PrintStream log) {
    String pass = train ? "train" : "forward";
    try (Graph g = new Graph()) {
      LayerScope root = LayerScope.root(g, 1);
      Ops tf = root.ops();
      Operand<TFloat32> x = Variables.create(root, "x", Shape.of(b, c.size(), c.size(),
          c.inChannels()), Initializers.normal(1), VariableRef.Kind.STATE).read();
      Operand<TFloat32> r = tf.math.add(Variables.create(root, "r", Shape.of(b, e),
          Initializers.uniform(0.5), VariableRef.Kind.STATE).read(), tf.constant(0.5f));
      ExpertBank bank = ExpertBank.create(root.child("experts"), "condconv_kernel", null, e,
          new long[] {1, 1, c.inChannels(), c.kernelOut()}, Initializers.normal(0.05),
          c.kernelOut());
      ConvProblem p = new ConvProblem(c.kind(), b, c.size(), c.size(), c.inChannels(),
          c.kernelOut(), c.geometry());
      List<Operand<?>> baseline = LayerBench.baseline(root.child("static"), c, x, train);
      List<Integer> chunks = chunks(b);
      List<List<Operand<?>>> candidates = new ArrayList<>();
      for (int chunk : chunks) {
        Operand<TFloat32> y = BatchedMatMulConv.withChunk(chunk).apply(tf, x, r, source(bank), p);
        candidates.add(LayerBench.target(tf, y, x, bank.kernel(), r, train));
      }
      try (Session s = threads.session(g)) {
        s.initialize();
        List<Runnable> runs = new ArrayList<>();
        candidates.forEach(t -> runs.add(() -> LayerBench.run(s, t)));
        List<Interleaved.Ratio> ratios = Interleaved.measure(() -> LayerBench.run(s, baseline),
            runs, warmup, reps);
        double macRatio = LayerBench.macRatio(c, e);
        List<BenchRow> rows = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
          String name = "chunk " + chunks.get(i) + (chunks.get(i) == BatchedMatMulConv.CHUNK
              ? " (default)" : "");
          rows.add(BenchRow.of("chunk", c.name(), b, e, name, pass, ratios.get(i), macRatio));
          line.append(String.format("%d: %.2fx  ", chunks.get(i), ratios.get(i).median()));
        }
        log.printf("  %-28s B=%-2d E=%d %-7s static %7.3f ms | MACs %.2fx | chunk %s%n", c.name(),
            b, e, pass, ratios.get(0).baselineMs(), macRatio, line);
        return rows;
      }
    }
  }

  /** The bank's kernels for BATCHED_MATMUL (1x1, undilated: no zero-stuffing). */
  private static KernelSource source(ExpertBank bank) {
    return new KernelSource() {
      @Override
      public Operand<TFloat32> kernels(Ops tf, Operand<TFloat32> routing) {
        return bank.mixKernels(tf, routing);
      }

      @Override
      public Operand<TFloat32> kernelsExampleLast(Ops tf, Operand<TFloat32> routing) {
        return bank.mixKernelsExampleLast(tf, routing);
      }

      @Override
      public Operand<TFloat32> single(Ops tf, Operand<TFloat32> routing) {
        return tf.reshape(bank.mixKernelSingle(tf, routing), tf.constant(bank.expertShape()));
      }
    };
  }
}

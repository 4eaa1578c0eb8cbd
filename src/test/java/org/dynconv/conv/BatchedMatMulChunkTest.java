package org.dynconv.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dynconv.config.ConvGeometry;
import org.dynconv.config.Padding;
import org.dynconv.init.Initializers;
import org.dynconv.mixing.ExpertBank;
import org.dynconv.reference.RefCondConv;
import org.dynconv.testing.AllClose;
import org.dynconv.testing.Rand;
import org.dynconv.testing.TfRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * BATCHED_MATMUL's chunking changes how much of the batch is mixed at once, never the result:
 * every chunk size, including ones that do not divide the batch and ones above it, against the
 * float64 reference, regular and depthwise, stride 1 and 2.
 */
class BatchedMatMulChunkTest {
  static final int B = 7, H = 9, W = 8, CIN = 5, COUT = 6, MULT = 2, E = 3;

  @ParameterizedTest(name = "depthwise={0} stride={1} chunk={2}")
  @CsvSource({"false,1,1", "false,1,3", "false,2,4", "false,1,7", "false,2,16", "true,1,2",
      "true,2,5", "true,1,7"})
  void everyChunkSizeMatchesReference(boolean depthwise, int stride, int chunk) {
    int kout = depthwise ? MULT : COUT;
    ConvGeometry g = ConvGeometry.square(1, stride, 1, Padding.SAME);
    float[] x = Rand.normal(31 + stride, B * H * W * CIN);
    float[] r = Rand.uniform(17 + chunk, B * E, 0.05, 1.0);
    try (TfRun run = new TfRun(7)) {
      Operand<TFloat32> xIn = run.placeholder("x", Shape.of(B, H, W, CIN));
      Operand<TFloat32> rIn = run.placeholder("r", Shape.of(B, E));
      ExpertBank bank = ExpertBank.create(run.root, "condconv_kernel", null, E,
          new long[] {1, 1, CIN, kout}, Initializers.normal(1), kout);
      ConvProblem p = new ConvProblem(depthwise ? ConvKind.DEPTHWISE : ConvKind.REGULAR, B, H, W,
          CIN, kout, g);
      Operand<TFloat32> y = BatchedMatMulConv.withChunk(chunk).apply(run.tf, xIn, rIn,
          mixing(bank), p);
      float[] got = run.run(List.of(y), new TfRun.Feed(xIn, Shape.of(B, H, W, CIN), x),
          new TfRun.Feed(rIn, Shape.of(B, E), r)).get(0);
      RefCondConv.Spec spec = new RefCondConv.Spec(depthwise, B, H, W, CIN, kout, 1, stride, 1,
          true, E);
      double[] expected = RefCondConv.forward(spec, AllClose.toDouble(x), AllClose.toDouble(r),
          run.value(bank.kernel()), null);
      assertEquals(expected.length, got.length, "output size");
      AllClose.assertRelClose(expected, got, 1e-4, "chunk " + chunk);
    }
  }

  /**
   * AUTO's instance chunks a static batch only when its mixed kernels exceed {@link
   * BatchedMatMulConv#UNCHUNKED_BYTES}: 16 x 5 x 6 floats are made at once (no SplitV), 16 x 256 x
   * 600 floats (9.8 MB) in two chunks of 8.
   */
  @ParameterizedTest(name = "B=16 {0}->{1}: chunks={2}")
  @CsvSource({"5,6,0", "256,600,2"})
  void autoChunksOnlyKernelsBeyondTheCacheBudget(int cin, int cout, int chunks) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      int b = 16;
      ConvProblem p = new ConvProblem(ConvKind.REGULAR, b, 4, 4, cin, cout, ConvGeometry.of(1));
      Operand<TFloat32> x = tf.placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(b, 4, 4, cin)));
      Operand<TFloat32> r = tf.placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(b, E)));
      Operand<TFloat32> bank = tf.placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(E, (long) cin * cout)));
      KernelSource source = mixedBy((t, routing) -> t.linalg.matMul(routing, bank));
      Operand<TFloat32> y = new BatchedMatMulConv().apply(tf, x, r, source, p);
      assertEquals(List.of((long) b, 4L, 4L, (long) cout),
          java.util.Arrays.stream(y.shape().asArray()).boxed().toList());
      long splits = 0, products = 0;
      for (var it = g.operations(); it.hasNext(); ) {
        String type = it.next().type();
        splits += type.equals("SplitV") ? 1 : 0;
        products += type.equals("MatMul") ? 1 : 0;
      }
      assertEquals(chunks == 0 ? 0 : 2, splits, "SplitV ops (x and the routing weights)");
      assertEquals(Math.max(chunks, 1), products, "mixing products");
    }
  }

  @Test
  void chunkBelowOneIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BatchedMatMulConv.withChunk(0));
    assertTrue(e.getMessage().contains("BatchedMatMulConv") && e.getMessage().contains("got 0"),
        e.getMessage());
  }

  private static KernelSource mixing(ExpertBank bank) {
    return mixedBy(bank::mixKernels);
  }

  /** A kernel source of [n, P] kernels only, which is all BATCHED_MATMUL asks for. */
  private static KernelSource mixedBy(
      java.util.function.BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> mix) {
    return new KernelSource() {
      @Override
      public Operand<TFloat32> kernels(Ops tf, Operand<TFloat32> routing) {
        return mix.apply(tf, routing);
      }

      @Override
      public Operand<TFloat32> kernelsExampleLast(Ops tf, Operand<TFloat32> routing) {
        throw new AssertionError("BATCHED_MATMUL mixes [n, P] kernels");
      }

      @Override
      public Operand<TFloat32> single(Ops tf, Operand<TFloat32> routing) {
        throw new AssertionError("BATCHED_MATMUL mixes [n, P] kernels");
      }
    };
  }
}

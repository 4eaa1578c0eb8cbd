package org.dynconv.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dynconv.testing.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/** Checkpoints written by TensorFlow's SaveV2, compared with differences set by hand. */
class CheckpointDiffTest {
  static Map<String, Object[]> base() {
    Map<String, Object[]> m = new LinkedHashMap<>();
    m.put("net/conv/kernel", new Object[] {new float[] {1, 2, 3, 4, 5, 6}, Shape.of(2, 3)});
    m.put("net/bn/moving_mean", new Object[] {new float[] {0.5f, -0.5f}, Shape.of(2)});
    m.put("global_step", new Object[] {7L});
    return m;
  }

  @Test
  void identicalCheckpointsAgreeExactly(@TempDir Path dir) throws IOException {
    CheckpointDiff.Result r = CheckpointDiff.compare(
        TensorBundle.open(Checkpoints.write(dir.resolve("a"), base())),
        TensorBundle.open(Checkpoints.write(dir.resolve("b"), base())));
    assertEquals(3, r.rows().size());
    assertTrue(r.agrees(0), r.toString());
    assertEquals(0, r.largest().maxAbsDiff());
    assertEquals("float [2, 3]", r.rows().stream().filter(x -> x.key().equals("net/conv/kernel"))
        .findFirst().orElseThrow().a());
  }

  @Test
  void theLargestDifferenceIsFoundAndHeldAgainstTheTolerance(@TempDir Path dir) throws IOException {
    Map<String, Object[]> b = base();
    // |4 - 4.25| = 0.25 is the largest; 0.5 -> 0.375 differs by 0.125.
    b.put("net/conv/kernel", new Object[] {new float[] {1, 2, 3, 4.25f, 5, 6}, Shape.of(2, 3)});
    b.put("net/bn/moving_mean", new Object[] {new float[] {0.375f, -0.5f}, Shape.of(2)});
    b.put("global_step", new Object[] {8L});
    CheckpointDiff.Result r = CheckpointDiff.compare(
        TensorBundle.open(Checkpoints.write(dir.resolve("a"), base())),
        TensorBundle.open(Checkpoints.write(dir.resolve("b"), b)));
    Map<String, Double> diff = new LinkedHashMap<>();
    r.rows().forEach(x -> diff.put(x.key(), x.maxAbsDiff()));
    assertEquals(0.25, diff.get("net/conv/kernel"));
    assertEquals(0.125, diff.get("net/bn/moving_mean"));
    // Integers compare their bytes: any difference is infinite.
    assertEquals(Double.POSITIVE_INFINITY, diff.get("global_step"));
    assertEquals("global_step", r.largest().key());
    assertFalse(r.agrees(0.3));
    b.put("global_step", new Object[] {7L});
    CheckpointDiff.Result floatsOnly = CheckpointDiff.compare(
        TensorBundle.open(dir.resolve("a")), TensorBundle.open(Checkpoints.write(dir.resolve("c"), b)));
    assertTrue(floatsOnly.agrees(0.25));
    assertFalse(floatsOnly.agrees(0.2));
    assertEquals("net/conv/kernel", floatsOnly.largest().key());
    assertTrue(floatsOnly.layoutDifferences().isEmpty());
  }

  @Test
  void namesDtypesAndShapesThatDifferAreReported(@TempDir Path dir) throws IOException {
    Map<String, Object[]> b = base();
    b.remove("net/bn/moving_mean");
    b.put("net/bn/moving_variance", new Object[] {new float[] {1, 1}, Shape.of(2)});
    b.put("net/conv/kernel", new Object[] {new float[] {1, 2, 3, 4, 5, 6}, Shape.of(3, 2)});
    b.put("global_step", new Object[] {new float[] {7}, Shape.scalar()});
    CheckpointDiff.Result r = CheckpointDiff.compare(
        TensorBundle.open(Checkpoints.write(dir.resolve("a"), base())),
        TensorBundle.open(Checkpoints.write(dir.resolve("b"), b)));
    Map<String, CheckpointDiff.Row> rows = new LinkedHashMap<>();
    r.rows().forEach(x -> rows.put(x.key(), x));
    assertEquals(CheckpointDiff.Status.DTYPE_DIFFERS, rows.get("global_step").status());
    assertEquals("int64 []", rows.get("global_step").a());
    assertEquals("float []", rows.get("global_step").b());
    assertEquals(CheckpointDiff.Status.SHAPE_DIFFERS, rows.get("net/conv/kernel").status());
    assertEquals(CheckpointDiff.Status.ONLY_IN_A, rows.get("net/bn/moving_mean").status());
    assertEquals("-", rows.get("net/bn/moving_mean").b());
    assertEquals(CheckpointDiff.Status.ONLY_IN_B, rows.get("net/bn/moving_variance").status());
    assertEquals(4, r.layoutDifferences().size());
    assertFalse(r.agrees(Double.MAX_VALUE), "a layout difference is never within tolerance");
    assertEquals(null, r.largest());
  }

  @Test
  void nanAgainstNanIsEqualAndAgainstANumberInfinite() {
    float nan = Float.NaN;
    assertEquals(1.5, CheckpointDiff.maxAbsDiff(new float[] {nan, 1, -2}, new float[] {nan, 2.5f, -2}));
    assertEquals(Double.POSITIVE_INFINITY,
        CheckpointDiff.maxAbsDiff(new float[] {nan, 1}, new float[] {0, 1}));
    assertEquals(Double.POSITIVE_INFINITY,
        CheckpointDiff.maxAbsDiff(new float[] {0, 1}, new float[] {0, nan}));
  }
}

package org.dynconv.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dynconv.testing.Rand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;

/**
 * The Java reader against checkpoints written by TensorFlow's own SaveV2 kernel (the writer
 * Python's Saver uses), with enough keys for several data blocks; then truncated and corrupted
 * copies, and snappy blocks built by hand.
 */
class TensorBundleTest {
  static final int KEYS = 300;

  /** Writes KEYS float tensors and one int64 with TensorFlow; returns the values written. */
  static List<float[]> write(Path prefix) {
    List<float[]> values = new ArrayList<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<String> names = new ArrayList<>();
      List<Operand<?>> tensors = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        float[] v = Rand.normal(i, 1 + i % 7 * 5);
        values.add(v);
        names.add(String.format("model/blocks_%d/conv2d/kernel/with/a/long/shared/prefix", i));
        tensors.add(tf.constant(Shape.of(v.length), DataBuffers.of(v, true, false)));
      }
      names.add("global_step");
      tensors.add(tf.constant(218949L));
      var save = tf.train.save(tf.constant(prefix.toString()),
          tf.constant(StandardCharsets.UTF_8, names.toArray(new String[0])),
          tf.constant(StandardCharsets.UTF_8, names.stream().map(n -> "").toArray(String[]::new)),
          tensors);
      s.runner().addTarget(save).run();
    }
    return values;
  }

  @Test
  void readsWhatTensorFlowWrote(@TempDir Path dir) throws IOException {
    Path prefix = dir.resolve("model.ckpt");
    List<float[]> values = write(prefix);
    TensorBundle b = TensorBundle.open(prefix);
    assertEquals(KEYS + 1, b.entries().size());
    TensorBundle.Entry step = b.entry("global_step");
    assertEquals(DataType.DT_INT64, step.dtype());
    assertEquals(0, step.shape().length);
    for (int i = 0; i < KEYS; i++) {
      String key = String.format("model/blocks_%d/conv2d/kernel/with/a/long/shared/prefix", i);
      assertArrayEquals(new long[] {values.get(i).length}, b.entry(key).shape());
      assertArrayEquals(values.get(i), b.readFloats(key), 0f);
    }
    assertTrue(Files.size(TensorBundle.indexFile(prefix)) > 4096, "index spans several blocks");
  }

  @Test
  void brokenFilesAreNamed(@TempDir Path dir) throws IOException {
    Path prefix = dir.resolve("model.ckpt");
    write(prefix);
    Path index = TensorBundle.indexFile(prefix);
    Path data = dir.resolve("model.ckpt.data-00000-of-00001");
    byte[] idx = Files.readAllBytes(index);
    byte[] dat = Files.readAllBytes(data);

    Files.write(index, java.util.Arrays.copyOf(idx, 20));
    assertEquals("TensorBundle: index '" + index + "' is truncated: 20 bytes; expected at least the"
        + " 48-byte table footer.", fail(prefix).getMessage());
    Files.write(index, java.util.Arrays.copyOf(idx, idx.length - 100));
    assertEquals("TensorBundle: index '" + index + "' is not a checkpoint index (bad table magic);"
        + " expected a TF V2 checkpoint's .index file.", fail(prefix).getMessage());
    byte[] flipped = idx.clone();
    flipped[10] ^= 0x55;
    Files.write(index, flipped);
    assertTrue(fail(prefix).getMessage().contains("whose checksum does not match; the file is corrupt"));

    Files.write(index, idx);
    Files.write(data, java.util.Arrays.copyOf(dat, dat.length / 2));
    TensorBundle b = TensorBundle.open(prefix);
    String last = String.format("model/blocks_%d/conv2d/kernel/with/a/long/shared/prefix", KEYS - 1);
    CheckpointFormatError e = assertThrows(CheckpointFormatError.class, () -> b.readFloats(last));
    assertTrue(e.getMessage().startsWith("TensorBundle: data file '" + data + "' is truncated: '"),
        e.getMessage());
    byte[] bad = dat.clone();
    bad[0] ^= 1;
    Files.write(data, bad);
    String first = "model/blocks_0/conv2d/kernel/with/a/long/shared/prefix";
    e = assertThrows(CheckpointFormatError.class, () -> TensorBundle.open(prefix).readFloats(first));
    assertEquals("TensorBundle: '" + first + "' in data file '" + data + "' fails its CRC32C check;"
        + " the file is corrupt.", e.getMessage());
    Path missing = dir.resolve("nope");
    assertEquals("TensorBundle: checkpoint '" + missing + "' has no index file '" + missing
        + ".index'; expected PREFIX.index and PREFIX.data-* files.",
        assertThrows(CheckpointFormatError.class, () -> TensorBundle.open(missing)).getMessage());
  }

  @Test
  void snappyLiteralsAndOverlappingCopies() {
    // Length 11 (varint 0x0b); literal "abc" (tag (3-1)<<2 = 0x08); copy-1 of length 8 at offset
    // 3: tag ((8-4)<<2) | 1 = 0x11, offset byte 3 -> "abcabcabcab".
    byte[] in = {0x0b, 0x08, 'a', 'b', 'c', 0x11, 0x03};
    assertEquals("abcabcabcab", new String(Snappy.decompress(in, "t"), StandardCharsets.US_ASCII));
    // Copy-2 (tag ((5-1)<<2) | 2 = 0x12, offset 0x0002 little-endian) after literal "xy".
    byte[] in2 = {0x07, 0x04, 'x', 'y', 0x12, 0x02, 0x00};
    assertEquals("xyxyxyx", new String(Snappy.decompress(in2, "t"), StandardCharsets.US_ASCII));
    byte[] bad = {0x05, 0x08, 'a', 'b', 'c', 0x11, 0x09};
    assertThrows(CheckpointFormatError.class, () -> Snappy.decompress(bad, "t"));
  }

  private static CheckpointFormatError fail(Path prefix) {
    return assertThrows(CheckpointFormatError.class, () -> TensorBundle.open(prefix));
  }
}

package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files built byte by byte in the test, raw and gzip, valid and broken. */
class IdxReaderTest {
  /** Header 00 00 08 03, dims 2 x 2 x 3, then 12 pixel bytes. */
  static byte[] images() {
    byte[] b = new byte[4 + 12 + 12];
    b[2] = 8;
    b[3] = 3;
    b[7] = 2;
    b[11] = 2;
    b[15] = 3;
    for (int i = 0; i < 12; i++) {
      b[16 + i] = (byte) (i * 20);
    }
    return b;
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  @Test
  void readsRawAndGzip(@TempDir Path dir) throws IOException {
    Path raw = dir.resolve("a-idx3-ubyte"), gz = dir.resolve("b.gz");
    Files.write(raw, images());
    Files.write(gz, gzip(images()));
    for (Path p : new Path[] {raw, gz}) {
      IdxReader.IdxArray a = IdxReader.read(p);
      assertArrayEquals(new int[] {2, 2, 3}, a.dims());
      assertEquals((byte) 220, a.data()[11]);
    }
  }

  @Test
  void brokenFilesNameTheFileAndTheProblem(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("x.gz");
    Files.write(f, gzip(Arrays.copyOf(images(), 20)));
    assertMessage(f, "IdxReader: file '" + f + "' is truncated: the header declares 2x2x3 = 12 bytes"
        + " of data but only 4 are present.");
    Files.write(f, Arrays.copyOf(images(), 3));
    assertMessage(f, "IdxReader: file '" + f + "' is truncated: it has 3 bytes; expected an IDX header"
        + " of at least 4.");
    byte[] bad = images();
    bad[2] = 9;
    Files.write(f, bad);
    assertMessage(f, "IdxReader: file '" + f + "' is not an IDX file of unsigned bytes: magic"
        + " 0x00000903; expected 0x000008 followed by 1..4 dimensions.");
    Files.write(f, Arrays.copyOf(images(), 30));
    assertMessage(f, "IdxReader: file '" + f + "' has data after the 12 bytes its header declares"
        + " (2x2x3).");
    byte[] gz = gzip(images());
    Files.write(f, Arrays.copyOf(gz, gz.length - 12));
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.read(f));
    assertEquals(true, e.getMessage().startsWith("IdxReader: file '" + f
        + "' is truncated or not valid gzip"), e.getMessage());
    Path missing = dir.resolve("nope");
    assertMessage(missing, "IdxReader: file '" + missing + "' does not exist.");
  }

  @Test
  void directoryNeedsAllFourFiles(@TempDir Path dir) throws IOException {
    DataFormatError e = assertThrows(DataFormatError.class, () -> FashionMnist.fromDirectory(dir));
    assertEquals("FashionMnist: data directory '" + dir + "' has no train-images-idx3-ubyte or"
        + " train-images-idx3-ubyte.gz; expected the four Fashion-MNIST IDX files.", e.getMessage());
  }

  @Test
  void embeddedSubsetIsClassBalanced() {
    FashionMnist.Split s = FashionMnist.embedded();
    assertEquals(10_000, s.train().size());
    assertEquals(2_000, s.test().size());
    int[] counts = new int[10];
    for (int l : s.train().labels()) {
      counts[l]++;
    }
    int[] expected = new int[10];
    Arrays.fill(expected, 1000);
    assertArrayEquals(expected, counts);
  }

  private static void assertMessage(Path f, String expected) {
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.read(f));
    assertEquals(expected, e.getMessage());
  }
}

package org.dynconv.checkpoint;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;

/**
 * Snappy block decompression (the format LevelDB tables may use for their blocks), by
 * aircompressor's pure-Java decoder; a malformed block becomes a {@link CheckpointFormatError}
 * naming the file.
 */
final class Snappy {
  private Snappy() {}

  static byte[] decompress(byte[] in, String source) {
    try {
      int length = SnappyDecompressor.getUncompressedLength(in, 0);
      byte[] out = new byte[length];
      int n = new SnappyDecompressor().decompress(in, 0, in.length, out, 0, length);
      if (n != length) {
        throw new CheckpointFormatError("TensorBundle: a snappy block of '" + source + "' produced "
            + n + " of the " + length + " bytes it declares; the file is corrupt.");
      }
      return out;
    } catch (MalformedInputException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CheckpointFormatError("TensorBundle: a snappy block of '" + source + "' is"
          + " malformed (" + e.getMessage() + "); the file is corrupt.");
    }
  }
}

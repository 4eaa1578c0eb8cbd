package org.dynconv.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Reads the LevelDB-format table that a TF V2 checkpoint's {@code .index} file is: a footer
 * pointing at the index block, index entries pointing at data blocks, and in every block
 * prefix-compressed entries (shared length, unshared length, value length as varints, the key
 * suffix, the value) followed by restart offsets. Each block has a trailer: a compression byte
 * (0 none, 1 snappy) and a masked CRC32C.
 */
final class SsTable {
  private static final long MAGIC = 0xdb4775248b80fb57L;
  private static final int FOOTER = 48;

  private SsTable() {}

  /** All entries, key to value, sorted by key. */
  static TreeMap<String, byte[]> read(byte[] file, String source) {
    if (file.length < FOOTER) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' is truncated: "
          + file.length + " bytes; expected at least the " + FOOTER + "-byte table footer.");
    }
    ByteBuffer footer = ByteBuffer.wrap(file, file.length - FOOTER, FOOTER).order(ByteOrder.LITTLE_ENDIAN);
    long magic = footer.getLong(file.length - 8);
    if (magic != MAGIC) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' is not a checkpoint index"
          + " (bad table magic); expected a TF V2 checkpoint's .index file.");
    }
    int[] pos = {file.length - FOOTER};
    varint(file, pos, source); // metaindex offset
    varint(file, pos, source); // metaindex size
    long indexOffset = varint(file, pos, source), indexSize = varint(file, pos, source);
    TreeMap<String, byte[]> out = new TreeMap<>();
    byte[] index = block(file, indexOffset, indexSize, source);
    for (byte[] handle : entries(index, source).values()) {
      int[] hp = {0};
      long off = varint(handle, hp, source), size = varint(handle, hp, source);
      out.putAll(entries(block(file, off, size, source), source));
    }
    return out;
  }

  private static byte[] block(byte[] file, long offset, long size, String source) {
    if (offset < 0 || size < 0 || offset + size + 5 > file.length) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' is truncated or corrupt:"
          + " a block at " + offset + " of " + size + " bytes lies outside its " + file.length
          + " bytes.");
    }
    int off = (int) offset, n = (int) size;
    int type = file[off + n] & 0xff;
    CRC32C crc = new CRC32C();
    crc.update(file, off, n + 1);
    int stored = ByteBuffer.wrap(file, off + n + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (unmask(stored) != (int) crc.getValue()) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' has a block at " + offset
          + " whose checksum does not match; the file is corrupt.");
    }
    byte[] raw = java.util.Arrays.copyOfRange(file, off, off + n);
    return switch (type) {
      case 0 -> raw;
      case 1 -> Snappy.decompress(raw, source);
      default -> throw new CheckpointFormatError("TensorBundle: index '" + source + "' has a block"
          + " compressed with type " + type + "; expected 0 (none) or 1 (snappy).");
    };
  }

  private static TreeMap<String, byte[]> entries(byte[] block, String source) {
    TreeMap<String, byte[]> out = new TreeMap<>();
    if (block.length < 4) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' has a block of "
          + block.length + " bytes; expected at least its restart count.");
    }
    int restarts = ByteBuffer.wrap(block, block.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    int end = block.length - 4 - 4 * restarts;
    if (restarts < 0 || end < 0) {
      throw new CheckpointFormatError("TensorBundle: index '" + source + "' has a block with "
          + restarts + " restarts in " + block.length + " bytes; the file is corrupt.");
    }
    int[] pos = {0};
    byte[] key = new byte[0];
    while (pos[0] < end) {
      int shared = (int) varint(block, pos, source), unshared = (int) varint(block, pos, source);
      int valueLen = (int) varint(block, pos, source);
      if (shared > key.length || pos[0] + unshared + valueLen > end) {
        throw new CheckpointFormatError("TensorBundle: index '" + source + "' has an entry past the"
            + " end of its block; the file is corrupt.");
      }
      byte[] k = new byte[shared + unshared];
      System.arraycopy(key, 0, k, 0, shared);
      System.arraycopy(block, pos[0], k, shared, unshared);
      pos[0] += unshared;
      out.put(new String(k, java.nio.charset.StandardCharsets.UTF_8),
          java.util.Arrays.copyOfRange(block, pos[0], pos[0] + valueLen));
      pos[0] += valueLen;
      key = k;
    }
    return out;
  }

  static long varint(byte[] b, int[] pos, String source) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= b.length) {
        throw new CheckpointFormatError("TensorBundle: index '" + source + "' ends inside a number;"
            + " the file is truncated or corrupt.");
      }
      int x = b[pos[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        return v;
      }
    }
    throw new CheckpointFormatError("TensorBundle: index '" + source + "' has a malformed number.");
  }

  /** LevelDB's CRC masking: rotate right by 15 bits and add a constant. */
  static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  static int unmask(int masked) {
    int rot = masked - 0xa282ead8;
    return (rot >>> 17) | (rot << 15);
  }
}

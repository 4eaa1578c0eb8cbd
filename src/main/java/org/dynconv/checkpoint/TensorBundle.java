package org.dynconv.checkpoint;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;

/**
 * Reads TF V2 checkpoints ({@code PREFIX.index} and {@code PREFIX.data-NNNNN-of-MMMMM}) in plain
 * Java, as written by TF1's Saver, TF2 checkpoints and TF Java: {@link #entries()} lists every key
 * with dtype and shape (like {@code tf.train.list_variables}); {@link #readFloats} returns a
 * float32 tensor after checking its size and CRC32C. Truncated or corrupt files are errors naming
 * the file.
 */
public final class TensorBundle {
  private final Path prefix;
  private final TreeMap<String, BundleEntryProto> entries = new TreeMap<>();
  private final int shards;

  /** A key with its dtype and shape. */
  public record Entry(String name, DataType dtype, long[] shape) {
    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /** TensorFlow's short name of the dtype ("float", "int64"), as tf.train.list_variables. */
    public String dtypeName() {
      return dtype.name().replace("DT_", "").toLowerCase(java.util.Locale.ROOT);
    }

    public String shapeString() {
      return java.util.Arrays.toString(shape);
    }
  }

  private TensorBundle(Path prefix, TreeMap<String, byte[]> table) {
    this.prefix = prefix;
    String index = indexFile(prefix).toString();
    byte[] header = table.remove("");
    if (header == null) {
      throw new CheckpointFormatError("TensorBundle: index '" + index + "' has no bundle header;"
          + " expected a TF V2 checkpoint.");
    }
    try {
      BundleHeaderProto h = BundleHeaderProto.parseFrom(header);
      if (h.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
        throw new CheckpointFormatError("TensorBundle: '" + index + "' is big-endian; expected"
            + " little-endian.");
      }
      this.shards = h.getNumShards();
      for (var e : table.entrySet()) {
        entries.put(e.getKey(), BundleEntryProto.parseFrom(e.getValue()));
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new CheckpointFormatError("TensorBundle: index '" + index + "' holds a malformed entry ("
          + e.getMessage() + ").");
    }
  }

  /** Opens the checkpoint {@code prefix} (the path without {@code .index}). */
  public static TensorBundle open(Path prefix) throws IOException {
    Path index = indexFile(prefix);
    if (!Files.isRegularFile(index)) {
      throw new CheckpointFormatError("TensorBundle: checkpoint '" + prefix + "' has no index file"
          + " '" + index + "'; expected PREFIX.index and PREFIX.data-* files.");
    }
    return new TensorBundle(prefix, SsTable.read(Files.readAllBytes(index), index.toString()));
  }

  static Path indexFile(Path prefix) {
    return prefix.resolveSibling(prefix.getFileName() + ".index");
  }

  /** Every key except the header, sorted, with dtype and shape. */
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    entries.forEach((k, e) -> out.add(entry(k, e)));
    return out;
  }

  public boolean contains(String key) {
    return entries.containsKey(key);
  }

  /** The dtype and shape of {@code key}, or null. */
  public Entry entry(String key) {
    BundleEntryProto e = entries.get(key);
    return e == null ? null : entry(key, e);
  }

  private static Entry entry(String key, BundleEntryProto e) {
    long[] shape = e.getShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    return new Entry(key, e.getDtype(), shape);
  }

  /** The float32 tensor {@code key}, row-major. */
  public float[] readFloats(String key) throws IOException {
    BundleEntryProto e = proto(key);
    if (e.getDtype() != DataType.DT_FLOAT) {
      throw new IllegalArgumentException("TensorBundle: '" + key + "' in '" + prefix + "' has dtype "
          + e.getDtype() + "; expected DT_FLOAT.");
    }
    long n = entry(key, e).size();
    if (e.getSize() != n * 4) {
      throw new CheckpointFormatError("TensorBundle: '" + key + "' in '" + prefix + "' has " + e.getSize()
          + " bytes for shape " + entry(key, e).shapeString() + "; expected " + n * 4 + ".");
    }
    byte[] bytes = readBytes(key);
    float[] out = new float[(int) n];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /**
   * The stored bytes of {@code key} of any dtype (numbers little-endian, row-major), checked
   * against their CRC32C.
   */
  public byte[] readBytes(String key) throws IOException {
    BundleEntryProto e = proto(key);
    if (e.getSlicesCount() > 0) {
      throw new IllegalArgumentException("TensorBundle: '" + key + "' in '" + prefix
          + "' is stored in slices; partitioned variables are not supported.");
    }
    Path data = prefix.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix.getFileName(),
        e.getShardId(), shards));
    if (!Files.isRegularFile(data)) {
      throw new CheckpointFormatError("TensorBundle: data file '" + data + "' of checkpoint '" + prefix
          + "' does not exist.");
    }
    byte[] bytes = new byte[(int) e.getSize()];
    try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "r")) {
      if (e.getOffset() + e.getSize() > f.length()) {
        throw new CheckpointFormatError("TensorBundle: data file '" + data + "' is truncated: '" + key
            + "' needs bytes " + e.getOffset() + ".." + (e.getOffset() + e.getSize()) + " but the file"
            + " has " + f.length() + ".");
      }
      f.seek(e.getOffset());
      f.readFully(bytes);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    if (SsTable.mask((int) crc.getValue()) != e.getCrc32C()) {
      throw new CheckpointFormatError("TensorBundle: '" + key + "' in data file '" + data
          + "' fails its CRC32C check; the file is corrupt.");
    }
    return bytes;
  }

  private BundleEntryProto proto(String key) {
    BundleEntryProto e = entries.get(key);
    if (e == null) {
      throw new IllegalArgumentException("TensorBundle: checkpoint '" + prefix + "' has no key '"
          + key + "'.");
    }
    return e;
  }

  public Path prefix() {
    return prefix;
  }
}

package org.dynconv.checkpoint;

/**
 * Snappy block decompression (the format LevelDB tables may use for their blocks): a varint
 * length, then literals and back-references with 1-, 2- or 4-byte offsets.
 */
final class Snappy {
  private Snappy() {}

  static byte[] decompress(byte[] in, String source) {
    int[] pos = {0};
    long len = varint(in, pos, source);
    if (len > Integer.MAX_VALUE) {
      throw bad(source, "declares " + len + " bytes");
    }
    byte[] out = new byte[(int) len];
    int o = 0;
    int p = pos[0];
    while (p < in.length) {
      int tag = in[p++] & 0xff;
      int type = tag & 3;
      if (type == 0) {
        int n = tag >>> 2;
        if (n >= 60) {
          int bytes = n - 59;
          n = 0;
          for (int i = 0; i < bytes; i++) {
            n |= (in[p++] & 0xff) << (8 * i);
          }
        }
        n += 1;
        if (p + n > in.length || o + n > out.length) {
          throw bad(source, "has a literal past the end");
        }
        System.arraycopy(in, p, out, o, n);
        p += n;
        o += n;
        continue;
      }
      int length, offset;
      if (type == 1) {
        length = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | (in[p++] & 0xff);
      } else if (type == 2) {
        length = (tag >>> 2) + 1;
        offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8;
        p += 2;
      } else {
        length = (tag >>> 2) + 1;
        offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff) << 16
            | (in[p + 3] & 0xff) << 24;
        p += 4;
      }
      if (offset <= 0 || offset > o || o + length > out.length) {
        throw bad(source, "has a copy outside the output");
      }
      // Byte by byte: the source may overlap the destination (run-length copies).
      for (int i = 0; i < length; i++) {
        out[o + i] = out[o - offset + i];
      }
      o += length;
    }
    if (o != out.length) {
      throw bad(source, "produced " + o + " of " + out.length + " bytes");
    }
    return out;
  }

  private static long varint(byte[] in, int[] pos, String source) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= in.length) {
        throw bad(source, "ends inside a varint");
      }
      int b = in[pos[0]++] & 0xff;
      v |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    throw bad(source, "has a varint longer than 64 bits");
  }

  private static CheckpointFormatError bad(String source, String what) {
    return new CheckpointFormatError("TensorBundle: a snappy block of '" + source + "' " + what
        + "; the file is corrupt.");
  }
}

package org.dynconv.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-format IDX files of unsigned bytes, raw or gzip-compressed (detected from the first
 * two bytes, not the file name). Header: two zero bytes, type code 0x08, the number of dimensions,
 * then each dimension as a big-endian int32; then the data, row-major. Truncated, malformed or
 * oversized files are errors that name the file.
 */
public final class IdxReader {
  private static final int MAX_DIMS = 4;

  private IdxReader() {}

  /** An IDX array: its dimensions and its bytes. */
  public record IdxArray(int[] dims, byte[] data) {
    public int count() {
      return dims[0];
    }
  }

  public static IdxArray read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new DataFormatError("IdxReader: file '" + file + "' does not exist.");
    }
  }

  /**
   * @param source the file name used in error messages
   */
  public static IdxArray read(InputStream raw, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(raw);
    buffered.mark(2);
    int b0 = buffered.read(), b1 = buffered.read();
    buffered.reset();
    InputStream in = buffered;
    if (b0 == 0x1f && b1 == 0x8b) {
      in = new GZIPInputStream(buffered, 1 << 16);
    }
    try {
      return parse(new DataInputStream(in), source);
    } catch (ZipException | EOFException e) {
      throw new DataFormatError("IdxReader: file '" + source + "' is truncated or not valid gzip ("
          + e.getMessage() + ").");
    }
  }

  private static IdxArray parse(DataInputStream in, String source) throws IOException {
    byte[] header = new byte[4];
    int got = in.readNBytes(header, 0, 4);
    if (got < 4) {
      throw new DataFormatError("IdxReader: file '" + source + "' is truncated: it has " + got
          + " bytes; expected an IDX header of at least 4.");
    }
    int type = header[2] & 0xff, ndim = header[3] & 0xff;
    if (header[0] != 0 || header[1] != 0 || type != 0x08 || ndim < 1 || ndim > MAX_DIMS) {
      throw new DataFormatError(String.format("IdxReader: file '%s' is not an IDX file of unsigned"
          + " bytes: magic 0x%02x%02x%02x%02x; expected 0x000008 followed by 1..%d dimensions.",
          source, header[0], header[1], header[2], header[3], MAX_DIMS));
    }
    int[] dims = new int[ndim];
    long total = 1;
    for (int i = 0; i < ndim; i++) {
      dims[i] = in.readInt();
      if (dims[i] <= 0) {
        throw new DataFormatError("IdxReader: file '" + source + "' has dimension " + i + " = "
            + dims[i] + "; expected a positive size.");
      }
      total *= dims[i];
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new DataFormatError("IdxReader: file '" + source + "' declares " + total
          + " bytes of data; expected fewer than 2^31.");
    }
    byte[] data = new byte[(int) total];
    int read = in.readNBytes(data, 0, data.length);
    if (read < data.length) {
      throw new DataFormatError("IdxReader: file '" + source + "' is truncated: the header declares "
          + describe(dims) + " = " + total + " bytes of data but only " + read + " are present.");
    }
    if (in.read() != -1) {
      throw new DataFormatError("IdxReader: file '" + source + "' has data after the " + total
          + " bytes its header declares (" + describe(dims) + ").");
    }
    return new IdxArray(dims, data);
  }

  private static String describe(int[] dims) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < dims.length; i++) {
      sb.append(i == 0 ? "" : "x").append(dims[i]);
    }
    return sb.toString();
  }
}

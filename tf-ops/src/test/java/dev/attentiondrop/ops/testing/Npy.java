package dev.attentiondrop.ops.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal NumPy {@code .npy} (format 1.0) I/O for the Python bridge: float64 little-endian arrays
 * (booleans are written as 0.0/1.0). Writes go through a temporary file and a rename.
 */
public final class Npy {
  private Npy() {}

  /** A float64 array with its shape. */
  public record Array(double[] data, long[] shape) {
    @Override
    public String toString() {
      return "Array" + Arrays.toString(shape);
    }
  }

  public static void write(Path file, double[] data, long... shape) throws IOException {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + n + " values, got " + data.length);
    }
    StringBuilder dims = new StringBuilder();
    for (long s : shape) {
      dims.append(s).append(", ");
    }
    String dimText =
        shape.length == 1 ? dims.toString().trim() : dims.toString().replaceAll(", $", "");
    String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dimText + "), }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    ByteBuffer buf =
        ByteBuffer.allocate(10 + header.length() + 8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
    buf.put((byte) 1).put((byte) 0).putShort((short) header.length());
    buf.put(header.getBytes(StandardCharsets.US_ASCII));
    for (double d : data) {
      buf.putDouble(d);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, buf.array());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
  }

  public static void write(Path file, boolean[] data, long... shape) throws IOException {
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i] ? 1 : 0;
    }
    write(file, d, shape);
  }

  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  public static Array read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 10 || (bytes[0] & 0xff) != 0x93) {
      throw new IOException(file + " is not a .npy file");
    }
    int major = bytes[6];
    int headerLen;
    int offset;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      offset = 10;
    } else {
      headerLen = buf.getInt(8);
      offset = 12;
    }
    String header = new String(bytes, offset, headerLen, StandardCharsets.US_ASCII);
    if (!header.contains("'descr': '<f8'") || header.contains("'fortran_order': True")) {
      throw new IOException(file + ": only C-ordered <f8 arrays are supported, header " + header);
    }
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) {
      throw new IOException(file + ": no shape in header " + header);
    }
    long[] shape =
        Arrays.stream(m.group(1).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .mapToLong(Long::parseLong)
            .toArray();
    int n = (bytes.length - offset - headerLen) / 8;
    double[] data = new double[n];
    buf.position(offset + headerLen);
    for (int i = 0; i < n; i++) {
      data[i] = buf.getDouble();
    }
    return new Array(data, shape);
  }
}

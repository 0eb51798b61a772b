package dev.attentiondrop.zoo.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** The bytes of a dataset file, gunzipped if they were gzipped, and a name for messages. */
record RawFile(String name, byte[] bytes) {

  /** Reads {@code path}, gunzipping it when it starts with the gzip magic number. */
  static RawFile of(Path path) throws IOException {
    return of(path.toString(), Files.readAllBytes(path));
  }

  /** Where the embedded demo subsets sit on the class path (artifact {@code demo-data}). */
  static final String DEMO_DATA = "/dev/attentiondrop/demodata/";

  /**
   * Reads the embedded demo file {@code name} ({@code <dataset>/<file>}) from the class path. The
   * files ship in the application artifact {@code dev.attentiondrop:demo-data}, not in the library.
   */
  static RawFile resource(String name) throws IOException {
    try (InputStream in = RawFile.class.getResourceAsStream(DEMO_DATA + name)) {
      if (in == null) {
        throw new MissingDatasetException(name.substring(0, name.indexOf('/')));
      }
      return of("resource " + name, in.readAllBytes());
    }
  }

  /** The most a gzipped file other than IDX may unpack to. */
  static final long MAX_UNPACKED = 256L << 20;

  /** The largest file a Java array holds. */
  static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  /**
   * {@code bytes}, gunzipped when they start with the gzip magic number. The unpacking is bounded
   * before anything large is allocated: an unsigned-byte IDX stream is read to the length its
   * header declares (plus one byte, so that trailing data is still reported), anything else to
   * {@link #MAX_UNPACKED} bytes; a stream that unpacks to more (a gzip bomb) is a {@link
   * DatasetFormatException}.
   */
  static RawFile of(String name, byte[] bytes) throws DatasetFormatException {
    if (bytes.length < 2 || bytes[0] != (byte) 0x1f || bytes[1] != (byte) 0x8b) {
      return new RawFile(name, bytes);
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      byte[] magic = in.readNBytes(4);
      long limit = MAX_UNPACKED;
      byte[] header = new byte[0];
      boolean idx =
          magic.length == 4
              && magic[0] == 0
              && magic[1] == 0
              && magic[2] == 8
              && magic[3] >= 1
              && magic[3] <= 4;
      if (idx) {
        header = in.readNBytes(4 * magic[3]);
        long declared = 4L + header.length;
        ByteBuffer sizes = ByteBuffer.wrap(header);
        long data = 1;
        while (sizes.remaining() >= 4) {
          data = Math.min(data * Math.max(0, sizes.getInt()), MAX_ARRAY + 1);
        }
        declared += data;
        if (declared > MAX_ARRAY) {
          throw new DatasetFormatException(
              name, "an IDX file of at most " + MAX_ARRAY + " bytes", "a header declaring more");
        }
        limit = declared - 4 - header.length + 1;
      }
      byte[] rest = in.readNBytes((int) Math.min(limit, MAX_ARRAY));
      if (!idx && rest.length == limit && in.read() != -1) {
        throw new DatasetFormatException(
            name,
            "a gzip stream that unpacks to at most " + MAX_UNPACKED + " bytes",
            "one that unpacks to more (a gzip bomb?)");
      }
      byte[] all = new byte[magic.length + header.length + rest.length];
      System.arraycopy(magic, 0, all, 0, magic.length);
      System.arraycopy(header, 0, all, magic.length, header.length);
      System.arraycopy(rest, 0, all, magic.length + header.length, rest.length);
      return new RawFile(name, all);
    } catch (DatasetFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new DatasetFormatException(
          name, "a complete gzip stream", "a truncated or corrupt one (" + e.getMessage() + ")", e);
    }
  }

  /** A gzip stream at the best compression level onto {@code out}. */
  static OutputStream gzip(OutputStream out) throws IOException {
    return new GZIPOutputStream(out) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    };
  }
}

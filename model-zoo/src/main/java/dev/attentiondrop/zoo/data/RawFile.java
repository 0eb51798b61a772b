package dev.attentiondrop.zoo.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

  static RawFile of(String name, byte[] bytes) throws DatasetFormatException {
    if (bytes.length < 2 || bytes[0] != (byte) 0x1f || bytes[1] != (byte) 0x8b) {
      return new RawFile(name, bytes);
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return new RawFile(name, in.readAllBytes());
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

package dev.attentiondrop.zoo.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads and writes IDX files of unsigned bytes (the MNIST format): a big-endian magic number {@code
 * 0x0000 08 nd} ({@code 08} = unsigned byte, {@code nd} = number of dimensions), then {@code nd}
 * big-endian int32 sizes, then the data. Images have 3 dimensions {@code [n, rows, cols]}, labels 1
 * {@code [n]}. Files may be gzipped. Every size, the file length and the label range are checked.
 */
public final class ImageIdx {
  private ImageIdx() {}

  /**
   * Reads an images file and its labels file as an {@link ImageDataset}: pixel byte {@code b}
   * becomes {@code b / 255} in {@code [0, 1]}, label {@code i} labels image {@code i}.
   *
   * @param name the dataset name to record
   * @param split the split name to record
   * @param images the IDX images file {@code [n, rows, cols]}, gzipped or not
   * @param labels the IDX labels file {@code [n]}, gzipped or not
   * @param classNames the class names, indexed by label; labels must lie in {@code [0,
   *     classNames.size())}
   * @param source origin and license of the data, to record
   * @return the {@code n} images with their labels
   * @throws IOException if a file cannot be read, or its header, length or labels are wrong, or the
   *     two files disagree on {@code n} (a {@link DatasetFormatException})
   */
  public static ImageDataset read(
      String name, String split, Path images, Path labels, List<String> classNames, String source)
      throws IOException {
    return read(name, split, RawFile.of(images), RawFile.of(labels), classNames, source);
  }

  /**
   * Unlabelled images {@code [n, rows, cols]} with pixels / 255 in [0, 1].
   *
   * @param n number of images
   * @param rows rows of each image
   * @param cols columns of each image
   * @param pixels {@code n * rows * cols} values in {@code [0, 1]}, row-major
   */
  public record Images(int n, int rows, int cols, float[] pixels) {}

  /**
   * Reads an images file alone (no labels), for prediction.
   *
   * @param file an IDX images file {@code [n, rows, cols]}, gzipped or not
   * @return its images, pixel byte {@code b} scaled to {@code b / 255}
   * @throws IOException if the file cannot be read, or its header or length is wrong (a {@link
   *     DatasetFormatException})
   */
  public static Images readImages(Path file) throws IOException {
    RawFile images = RawFile.of(file);
    int[] dims = dims(images, 3);
    return new Images(dims[0], dims[1], dims[2], pixels(images));
  }

  /**
   * Opens an images file for reading one image at a time, in constant memory whatever its size: the
   * header is checked first, then each {@link ImageReader#next} reads one image's bytes (gunzipping
   * as it goes), and the end checks that the file holds exactly the images it declares.
   *
   * @param file an IDX images file {@code [n, rows, cols]}, gzipped or not
   * @return the reader; close it
   * @throws IOException if the file cannot be read or its header is wrong (a {@link
   *     DatasetFormatException})
   */
  public static ImageReader openImages(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      in.mark(2);
      boolean gzipped = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      if (gzipped) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      return new ImageReader(file.toString(), in);
    } catch (IOException | RuntimeException e) {
      in.close();
      if (e instanceof DatasetFormatException || !(e instanceof IOException io)) {
        throw e;
      }
      throw new DatasetFormatException(
          file.toString(),
          "a readable IDX images file",
          "an unreadable one (" + io.getMessage() + ")",
          io);
    }
  }

  /** Images read one at a time from an IDX file ({@link #openImages}). */
  public static final class ImageReader implements Closeable {
    private final String name;
    private final InputStream in;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] buffer;
    private int read;

    private ImageReader(String name, InputStream in) throws IOException {
      this.name = name;
      this.in = in;
      byte[] header = readHeader(in, name);
      ByteBuffer buf = ByteBuffer.wrap(header);
      int magic = buf.getInt();
      if (magic != 0x0803) {
        throw new DatasetFormatException(
            name,
            "IDX magic number 0x00000803 (unsigned-byte images, 3 dimensions)",
            String.format("0x%08X", magic));
      }
      count = buf.getInt();
      rows = buf.getInt();
      cols = buf.getInt();
      if (count < 0 || rows < 1 || cols < 1 || (long) rows * cols > 1 << 24) {
        throw new DatasetFormatException(
            name, "sizes n >= 0 and 1 <= rows x cols <= 2^24", count + " x " + rows + " x " + cols);
      }
      buffer = new byte[rows * cols];
    }

    private static byte[] readHeader(InputStream in, String name) throws IOException {
      byte[] header = in.readNBytes(16);
      if (header.length < 16) {
        throw new DatasetFormatException(
            name, "a 16-byte IDX images header", "only " + header.length + " bytes");
      }
      return header;
    }

    /**
     * The number of images the header declares.
     *
     * @return n
     */
    public int count() {
      return count;
    }

    /**
     * Image height.
     *
     * @return rows
     */
    public int rows() {
      return rows;
    }

    /**
     * Image width.
     *
     * @return cols
     */
    public int cols() {
      return cols;
    }

    /**
     * Reads the next image, pixel byte {@code b} scaled to {@code b / 255}.
     *
     * @param pixels receives {@code rows * cols} values
     * @return false after the last image (the file then ended exactly there)
     * @throws IOException if the file is truncated, has trailing data or its gzip stream is corrupt
     *     (a {@link DatasetFormatException})
     */
    public boolean next(float[] pixels) throws IOException {
      try {
        if (read == count) {
          if (in.read() != -1) {
            throw new DatasetFormatException(
                name, "exactly " + count + " images, as its header declares", "trailing data");
          }
          return false;
        }
        int got = in.readNBytes(buffer, 0, buffer.length);
        if (got < buffer.length) {
          throw new DatasetFormatException(
              name,
              count + " images, as its header declares",
              read + " images and " + got + " bytes (truncated)");
        }
      } catch (DatasetFormatException e) {
        throw e;
      } catch (IOException e) {
        throw new DatasetFormatException(
            name,
            "a complete gzip stream",
            "a truncated or corrupt one (" + e.getMessage() + ")",
            e);
      }
      for (int i = 0; i < buffer.length; i++) {
        pixels[i] = (buffer[i] & 0xff) / 255f;
      }
      read++;
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  static ImageDataset read(
      String name,
      String split,
      RawFile images,
      RawFile labels,
      List<String> classNames,
      String source)
      throws DatasetFormatException {
    int[] imageDims = dims(images, 3);
    int[] labelDims = dims(labels, 1);
    int n = imageDims[0];
    if (labelDims[0] != n) {
      throw new DatasetFormatException(
          labels.name(),
          n + " labels, one per image in " + images.name(),
          labelDims[0] + " labels");
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = labels.bytes()[header(1) + i] & 0xff;
      if (y[i] >= classNames.size()) {
        throw new DatasetFormatException(
            labels.name(),
            "labels in [0, " + classNames.size() + ")",
            "label " + y[i] + " at index " + i);
      }
    }
    return new ImageDataset(
        name, split, imageDims[1], imageDims[2], pixels(images), y, classNames, source);
  }

  /**
   * Writes {@code data} as gzipped IDX images and labels, pixels rounded to {@code round(255 p)}:
   * the inverse of {@link #read} for data that came from IDX files. Both streams are closed.
   *
   * @param data the images and labels to write (labels must be below 256)
   * @param images receives the images file, magic {@code 0x00000803}, sizes {@code [n, height,
   *     width]}
   * @param labels receives the labels file, magic {@code 0x00000801}, size {@code [n]}
   * @throws IOException if writing fails
   */
  public static void write(ImageDataset data, OutputStream images, OutputStream labels)
      throws IOException {
    try (DataOutputStream out = new DataOutputStream(RawFile.gzip(images))) {
      out.writeInt(0x0803);
      out.writeInt(data.size());
      out.writeInt(data.height());
      out.writeInt(data.width());
      for (float p : data.pixels()) {
        out.writeByte(Math.round(p * 255f));
      }
    }
    try (DataOutputStream out = new DataOutputStream(RawFile.gzip(labels))) {
      out.writeInt(0x0801);
      out.writeInt(data.size());
      for (int label : data.labels()) {
        out.writeByte(label);
      }
    }
  }

  /** Validates the header and length of an unsigned-byte IDX file; returns its sizes. */
  private static int[] dims(RawFile file, int expectedDims) throws DatasetFormatException {
    byte[] b = file.bytes();
    int expectedMagic = 0x0800 | expectedDims;
    if (b.length < 4) {
      throw new DatasetFormatException(
          file.name(), "a 4-byte IDX magic number", "only " + b.length + " bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    int magic = buf.getInt();
    if ((magic & 0xffffff00) != 0x0800) {
      throw new DatasetFormatException(
          file.name(),
          String.format("IDX magic number 0x%08X (unsigned bytes)", expectedMagic),
          String.format("0x%08X: not an unsigned-byte IDX file", magic));
    }
    if ((magic & 0xff) != expectedDims) {
      throw new DatasetFormatException(
          file.name(),
          expectedDims + " dimensions (IDX magic number " + String.format("0x%08X)", expectedMagic),
          (magic & 0xff) + (((magic & 0xff) == 1) ? " dimension" : " dimensions"));
    }
    int header = header(expectedDims);
    if (b.length < header) {
      throw new DatasetFormatException(
          file.name(), "an IDX header of " + header + " bytes", "only " + b.length + " bytes");
    }
    int[] dims = new int[expectedDims];
    long data = 1;
    for (int d = 0; d < expectedDims; d++) {
      dims[d] = buf.getInt();
      if (dims[d] < (d == 0 ? 0 : 1)) {
        throw new DatasetFormatException(
            file.name(), "a positive size for dimension " + d, "size " + dims[d]);
      }
      data = Math.min(data * dims[d], Integer.MAX_VALUE + 1L);
    }
    long length = header + data;
    if (b.length != length) {
      throw new DatasetFormatException(
          file.name(),
          length + " bytes (" + header + "-byte header + " + shape(dims) + " data bytes)",
          b.length + " bytes" + (b.length < length ? " (truncated)" : " (trailing data)"));
    }
    return dims;
  }

  /** Header length: magic number and one int32 size per dimension. */
  /** The pixels after the header of a checked 3-D images file, / 255. */
  private static float[] pixels(RawFile images) {
    int offset = header(3);
    float[] pixels = new float[images.bytes().length - offset];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (images.bytes()[offset + i] & 0xff) / 255f;
    }
    return pixels;
  }

  private static int header(int dims) {
    return 4 + 4 * dims;
  }

  private static String shape(int[] dims) {
    StringBuilder s = new StringBuilder();
    for (int d : dims) {
      s.append(s.length() == 0 ? "" : " x ").append(d);
    }
    return s.toString();
  }
}

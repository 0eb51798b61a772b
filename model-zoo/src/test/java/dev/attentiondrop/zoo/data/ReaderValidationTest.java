package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers accept the real shipped files and reject corrupted copies of them (written to a
 * temporary directory) with messages naming the file, what was expected and what was found.
 */
class ReaderValidationTest {
  private static final String MINI = "fashion-mnist-mini/";

  @TempDir Path dir;
  private byte[] images;
  private byte[] labels;

  @BeforeEach
  void readShippedTestSplit() throws IOException {
    images = RawFile.resource(MINI + "t10k-images-idx3-ubyte.gz").bytes();
    labels = RawFile.resource(MINI + "t10k-labels-idx1-ubyte.gz").bytes();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private ImageDataset read(Path imagesFile, Path labelsFile) throws IOException {
    return ImageIdx.read("t", "test", imagesFile, labelsFile, Datasets.FASHION_CLASSES, "test");
  }

  /** Reads the pair and returns the message of the expected DatasetFormatException. */
  private String failure(Path imagesFile, Path labelsFile) {
    return assertThrows(DatasetFormatException.class, () -> read(imagesFile, labelsFile))
        .getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
    }
  }

  @Test
  void readsRawAndGzippedCopiesOfTheShippedFilesAlike() throws IOException {
    ImageDataset raw = read(write("i", images), write("l", labels));
    ImageDataset gz = read(write("i.gz", gzip(images)), write("l.gz", gzip(labels)));
    assertArrayEquals(new int[] {250, 28, 28}, raw.shape());
    assertArrayEquals(raw.pixels(), gz.pixels());
    assertArrayEquals(raw.labels(), gz.labels());
  }

  @Test
  void writeThenReadRoundTrips() throws IOException {
    ImageDataset d = Datasets.loadImages(Datasets.DEFAULT, "test");
    ByteArrayOutputStream i = new ByteArrayOutputStream();
    ByteArrayOutputStream l = new ByteArrayOutputStream();
    ImageIdx.write(d, i, l);
    ImageDataset back = read(write("i.gz", i.toByteArray()), write("l.gz", l.toByteArray()));
    assertArrayEquals(d.pixels(), back.pixels());
    assertArrayEquals(d.labels(), back.labels());
  }

  @Test
  void rejectsTruncatedIdx() throws IOException {
    Path cut = write("cut-images", Arrays.copyOf(images, images.length - 100));
    assertMentions(
        failure(cut, write("l", labels)),
        cut.toString(),
        "expected 196016 bytes",
        "250 x 28 x 28",
        "found 195916 bytes (truncated)");
    Path header = write("header-only", Arrays.copyOf(images, 10));
    assertMentions(failure(header, write("l", labels)), "16 bytes", "only 10 bytes");
  }

  @Test
  void rejectsTrailingData() throws IOException {
    Path longer = write("long-labels", Arrays.copyOf(labels, labels.length + 3));
    assertMentions(failure(write("i", images), longer), longer.toString(), "(trailing data)");
  }

  @Test
  void rejectsTruncatedGzip() throws IOException {
    byte[] gz;
    try (InputStream in =
        getClass().getResourceAsStream(RawFile.DEMO_DATA + MINI + "t10k-images-idx3-ubyte.gz")) {
      gz = in.readAllBytes();
    }
    Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
    assertMentions(failure(cut, write("l", labels)), cut.toString(), "complete gzip stream");
  }

  @Test
  void rejectsBadMagic() throws IOException {
    byte[] bad = images.clone();
    ByteBuffer.wrap(bad).putInt(0, 0x0000_0D03); // IDX of floats
    assertMentions(
        failure(write("float-images", bad), write("l", labels)),
        "IDX magic number 0x00000803",
        "found 0x00000D03");
    Path text = write("text", "hello, world".getBytes(StandardCharsets.US_ASCII));
    assertMentions(failure(write("i", images), text), text.toString(), "0x00000801");
  }

  @Test
  void rejectsWrongDimensionCount() throws IOException {
    Path labelsAsImages = write("labels-as-images", labels);
    assertMentions(
        failure(labelsAsImages, write("l", labels)),
        labelsAsImages.toString(),
        "expected 3 dimensions",
        "found 1 dimension");
  }

  @Test
  void rejectsLabelCountMismatch() throws IOException {
    byte[] trainLabels = RawFile.resource(MINI + "train-labels-idx1-ubyte.gz").bytes();
    Path l = write("train-labels", trainLabels);
    assertMentions(
        failure(write("i", images), l),
        l.toString(),
        "expected 250 labels, one per image",
        "found 1000 labels");
  }

  @Test
  void rejectsLabelsOutsideTheClasses() throws IOException {
    byte[] bad = labels.clone();
    bad[8 + 7] = 10;
    assertMentions(
        failure(write("i", images), write("l", bad)), "labels in [0, 10)", "label 10 at index 7");
  }

  @Test
  void digitsCsvReadsRowsAndRejectsBadOnes() throws IOException {
    String row = "0,".repeat(32) + "16,".repeat(32) + "7";
    byte[] twoRows = (row + "\n" + row + "\n").getBytes(StandardCharsets.US_ASCII);
    Path good = write("digits.csv.gz", gzip(twoRows));
    ImageDataset d = DigitsCsv.read("digits", good, Datasets.DIGIT_CLASSES, "test");
    assertArrayEquals(new int[] {2, 8, 8}, d.shape());
    assertArrayEquals(new int[] {7, 7}, d.labels());
    assertEquals(0f, d.pixels()[0]);
    assertEquals(1f, d.pixels()[63]);

    Path shortRow = write("short.csv", (row + "\n" + row.substring(2) + "\n").getBytes());
    assertMentions(
        assertThrows(DatasetFormatException.class, () -> read(shortRow)).getMessage(),
        shortRow.toString(),
        "65 comma-separated values on line 2",
        "found 64 values");
    Path bright = write("bright.csv", row.replaceFirst("^0", "17").getBytes());
    assertMentions(
        assertThrows(DatasetFormatException.class, () -> read(bright)).getMessage(),
        "an integer in [0, 16] at line 1, column 1",
        "found '17'");
  }

  private static ImageDataset read(Path csv) throws IOException {
    return DigitsCsv.read("digits", csv, Datasets.DIGIT_CLASSES, "test");
  }

  @Test
  void spamTsvRoundTripsAndRejectsTruncationAndBadLines() throws IOException {
    TextDataset d =
        new TextDataset(
            "s",
            "test",
            new String[] {"a\tb\\c\r\nd", "", "é"},
            new int[] {1, 0, 1},
            SpamAssassin.CLASSES,
            "test");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SpamAssassin.writeTsv(d, out);
    TextDataset back =
        SpamAssassin.readTsv("s", "test", write("ok.tsv.gz", out.toByteArray()), "test");
    assertArrayEquals(d.texts(), back.texts());
    assertArrayEquals(d.labels(), back.labels());

    byte[] text = RawFile.resource("spam-assassin-mini/test.tsv.gz").bytes();
    Path cut = write("cut.tsv", Arrays.copyOf(text, text.length / 2));
    assertMentions(tsvFailure(cut), cut.toString(), "final newline", "truncated");
    Path noHeader = write("no-header.tsv", "1\tbody\n".getBytes());
    assertMentions(tsvFailure(noHeader), "header line 'label\\ttext'", "found '1\tbody'");
    Path badLabel = write("bad-label.tsv", "label\ttext\n2\tbody\n".getBytes());
    assertMentions(tsvFailure(badLabel), "on line 2");
    Path badEscape = write("bad-escape.tsv", "label\ttext\n0\ta\\qb\n".getBytes());
    assertMentions(tsvFailure(badEscape), "escape", "on line 2", "found '\\q'");
  }

  private static String tsvFailure(Path tsv) {
    return assertThrows(
            DatasetFormatException.class, () -> SpamAssassin.readTsv("s", "test", tsv, "test"))
        .getMessage();
  }

  @Test
  void spamCorpusStripsHeadersAndLabelsByGroup() throws IOException {
    for (String group : SpamAssassin.GROUPS) {
      Files.createDirectories(dir.resolve(group));
      Files.writeString(
          dir.resolve(group).resolve("00001.abc.txt"),
          "From x@y  Mon Jun 24 17:05:33 2002\nX-Spam-Status: "
              + group
              + "\nSubject: hi\r\n\r\nbody of "
              + group
              + "\n\nsecond paragraph\n");
    }
    TextDataset d = SpamAssassin.readCorpus("spam-assassin", dir, "test");
    assertArrayEquals(new int[] {0, 0, 0, 1, 1}, d.labels());
    assertEquals(List.of("ham", "spam"), d.classNames());
    assertEquals("body of spam-2\n\nsecond paragraph\n", d.texts()[4]);

    Path noBody = dir.resolve("spam-1").resolve("00002.def.txt");
    Files.writeString(noBody, "From x@y\nSubject: no blank line\n");
    assertMentions(
        assertThrows(
                DatasetFormatException.class,
                () -> SpamAssassin.readCorpus("spam-assassin", dir, "test"))
            .getMessage(),
        noBody.toString(),
        "headers ended by a blank line");
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** {@code prefix} then {@code zeros} zero bytes, gzipped (a bomb: a few hundred KB packed). */
  private static byte[] gzipped(byte[] prefix, long zeros) throws IOException {
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(packed)) {
      gz.write(prefix);
      byte[] block = new byte[1 << 20];
      for (long left = zeros; left > 0; left -= block.length) {
        gz.write(block, 0, (int) Math.min(block.length, left));
      }
    }
    return packed.toByteArray();
  }

  @Test
  void gzipBombsAreBoundedByTheDeclaredSize() throws IOException {
    // an IDX header declaring 10 images of 28x28, followed by 300 MB of zeros
    byte[] header = ByteBuffer.allocate(16).putInt(0x803).putInt(10).putInt(28).putInt(28).array();
    Path bomb = write("bomb-idx3-ubyte.gz", gzipped(header, 300L << 20));
    var e = assertThrows(DatasetFormatException.class, () -> ImageIdx.readImages(bomb));
    assertTrue(e.getMessage().contains("(trailing data)"), e.getMessage());

    byte[] huge =
        ByteBuffer.allocate(16)
            .putInt(0x803)
            .putInt(1 << 20)
            .putInt(1 << 10)
            .putInt(1 << 10)
            .array();
    Path declared = write("huge-idx3-ubyte.gz", gzipped(huge, 1024));
    e = assertThrows(DatasetFormatException.class, () -> ImageIdx.readImages(declared));
    assertTrue(e.getMessage().contains("a header declaring more"), e.getMessage());

    // not IDX: at most RawFile.MAX_UNPACKED bytes unpacked
    byte[] text = "0\thello\n".getBytes(StandardCharsets.UTF_8);
    var big =
        assertThrows(
            DatasetFormatException.class,
            () -> RawFile.of("bomb.tsv.gz", gzipped(text, RawFile.MAX_UNPACKED + 1)));
    assertTrue(big.getMessage().contains("unpacks to more (a gzip bomb?)"), big.getMessage());
  }
}

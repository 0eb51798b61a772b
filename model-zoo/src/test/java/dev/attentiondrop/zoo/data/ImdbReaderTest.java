package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IMDB review reader accepts the shipped {@code imdb-mini} files and rejects corrupted copies
 * of them (written to a temporary directory) with a {@link DatasetFormatException} naming the file,
 * what was expected and what was found.
 */
class ImdbReaderTest {
  private static final int PER_CLASS = 250; // imdb-mini test split

  @TempDir Path dir;

  /** The lines of the shipped test split: "[", one review object per line, "]". */
  private List<String> lines;

  @BeforeEach
  void readShippedTestSplit() throws IOException {
    byte[] json = RawFile.resource("imdb-mini/test.json.gz").bytes();
    lines = new String(json, StandardCharsets.UTF_8).lines().toList();
    assertEquals("[", lines.get(0));
    assertEquals("]", lines.get(lines.size() - 1));
    assertEquals(2 * PER_CLASS + 2, lines.size());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  /** The shipped file with review line {@code index} replaced by {@code review}. */
  private String withReview(int index, String review) {
    List<String> copy = new ArrayList<>(lines);
    String old = copy.get(index + 1);
    copy.set(index + 1, review + (old.endsWith(",") ? "," : ""));
    return String.join("\n", copy) + "\n";
  }

  private TextDataset read(Path file) throws IOException {
    return Imdb.readSubset("imdb-mini", "test", RawFile.of(file), PER_CLASS, "test");
  }

  /** Reads {@code file} and returns the message of the expected DatasetFormatException. */
  private String failure(Path file) {
    return assertThrows(DatasetFormatException.class, () -> read(file)).getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' missing from: " + message);
    }
  }

  @Test
  void readsTheShippedFileAndRoundTripsThroughTheWriter() throws IOException {
    TextDataset d = read(write("ok.json", String.join("\n", lines) + "\n"));
    assertEquals(2 * PER_CLASS, d.size());
    assertArrayEquals(new int[] {PER_CLASS, PER_CLASS}, d.classCounts());
    assertEquals(Imdb.CLASSES, d.classNames());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Imdb.writeReviews(d, out);
    TextDataset back = read(Files.write(dir.resolve("back.json.gz"), out.toByteArray()));
    assertArrayEquals(d.texts(), back.texts());
    assertArrayEquals(d.labels(), back.labels());
    assertArrayEquals(
        RawFile.resource("imdb-mini/test.json.gz").bytes(),
        RawFile.of("back", out.toByteArray()).bytes(),
        "the writer reproduces the shipped file byte for byte");
  }

  @Test
  void rejectsTruncatedJson() throws IOException {
    String all = String.join("\n", lines);
    Path cut = write("cut.json", all.substring(0, all.length() / 2));
    assertMentions(failure(cut), cut.toString(), "expected well-formed JSON", "found ", "line ");
    Path noEnd = write("no-end.json", all.substring(0, all.length() - 1));
    assertMentions(failure(noEnd), noEnd.toString(), "well-formed JSON");
    Path empty = write("empty.json", "");
    assertMentions(failure(empty), empty.toString(), "a JSON array", "the end of the file");
  }

  @Test
  void rejectsALabelOtherThanZeroOrOne() throws IOException {
    Path two = write("two.json", withReview(3, "{\"t\":\"fine\",\"s\":2}"));
    assertMentions(
        failure(two),
        two.toString(),
        "expected label \"s\" 0 or 1 in the review at index 3",
        "found the number 2");
    Path text = write("text.json", withReview(4, "{\"t\":\"fine\",\"s\":\"1\"}"));
    assertMentions(failure(text), "at index 4", "found a string");
    Path real = write("real.json", withReview(5, "{\"t\":\"fine\",\"s\":1.0}"));
    assertMentions(failure(real), "at index 5", "found the number 1.0");
  }

  @Test
  void rejectsMissingExtraAndRepeatedKeys() throws IOException {
    Path noLabel = write("no-label.json", withReview(7, "{\"t\":\"fine\"}"));
    assertMentions(
        failure(noLabel),
        noLabel.toString(),
        "expected keys \"t\" and \"s\" in the review at index 7",
        "found no \"s\"");
    Path noText = write("no-text.json", withReview(8, "{\"s\":0}"));
    assertMentions(failure(noText), "at index 8", "found no \"t\"");
    Path extra = write("extra.json", withReview(9, "{\"t\":\"fine\",\"s\":0,\"id\":9}"));
    assertMentions(
        failure(extra), extra.toString(), "only the keys \"t\" and \"s\"", "found key \"id\"");
    Path twice = write("twice.json", withReview(10, "{\"t\":\"a\",\"t\":\"b\",\"s\":0}"));
    assertMentions(failure(twice), "key \"t\" once in the review at index 10", "found it twice");
  }

  @Test
  void rejectsATextThatIsNotAString() throws IOException {
    for (String value : List.of("12", "null", "[\"a\"]", "{\"x\":1}", "true")) {
      Path bad = write("bad-text.json", withReview(11, "{\"t\":" + value + ",\"s\":0}"));
      assertMentions(
          failure(bad),
          bad.toString(),
          "expected a string \"t\" (the text) in the review at index 11",
          "found ");
    }
  }

  @Test
  void rejectsOtherShapesAndTrailingData() throws IOException {
    Path object = write("object.json", "{\"t\":\"a\",\"s\":0}\n");
    assertMentions(failure(object), object.toString(), "a JSON array of reviews", "an object");
    Path nested = write("nested.json", withReview(0, "[1]"));
    assertMentions(failure(nested), "a review object", "at index 0", "found an array");
    Path trailing = write("trailing.json", String.join("\n", lines) + "\n[]\n");
    assertMentions(
        failure(trailing), trailing.toString(), "the end of the file after the array", "an array");
    Path comma = write("comma.json", String.join("\n", lines).replaceFirst("\n\\]$", ",\n]"));
    assertMentions(failure(comma), comma.toString(), "well-formed JSON");
  }

  @Test
  void rejectsWrongCounts() throws IOException {
    List<String> fewer = new ArrayList<>(lines.subList(0, lines.size() - 2));
    String last = fewer.get(fewer.size() - 1);
    fewer.set(fewer.size() - 1, last.substring(0, last.length() - 1)); // drop its comma
    fewer.add("]");
    Path missingOne = write("fewer.json", String.join("\n", fewer) + "\n");
    assertMentions(
        failure(missingOne),
        missingOne.toString(),
        "expected 250 reviews of each class [negative, positive]",
        "found [250, 249] (499 in all)");
    List<String> more = new ArrayList<>(lines);
    more.add(1, "{\"t\":\"one more\",\"s\":0},");
    Path extra = write("more.json", String.join("\n", more) + "\n");
    assertMentions(failure(extra), extra.toString(), "expected 500 reviews", "found more");
    // the full-set reader wants 25000 per class
    Path small = write("reviews.json", String.join("\n", lines) + "\n");
    var e =
        assertThrows(DatasetFormatException.class, () -> Imdb.readReviews("imdb", small, "test"));
    assertMentions(e.getMessage(), small.toString(), "25000 reviews of each class", "[250, 250]");
  }

  @Test
  void refusesTooLargeAFileBeforeReadingIt() throws IOException {
    Path huge = dir.resolve("reviews.json");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(Imdb.MAX_FILE_BYTES + 1); // sparse: no disk used, and it is never read
    }
    var e =
        assertThrows(DatasetFormatException.class, () -> Imdb.readReviews("imdb", huge, "test"));
    assertMentions(
        e.getMessage(),
        huge.toString(),
        "a file of at most 134217728 bytes",
        "134217729 bytes; not read");
    var missing =
        assertThrows(
            MissingDatasetException.class,
            () -> Datasets.load("imdb", "test", dir.resolve("none")));
    assertTrue(missing.getMessage().contains("reviews.json"), missing.getMessage());
  }

  @Test
  void loadThroughDatasetsNamesTheCachedFile() throws IOException {
    Path cache = dir.resolve("cache");
    Files.createDirectories(cache.resolve("imdb"));
    Path file = write("cache/imdb/reviews.json", withReview(2, "{\"t\":\"x\",\"s\":7}"));
    var e = assertThrows(DatasetFormatException.class, () -> Datasets.load("imdb", "train", cache));
    assertMentions(e.getMessage(), file.toString(), "label \"s\" 0 or 1", "found the number 7");
  }

  @Test
  void splitByTextIgnoresOrderAndKeepsDuplicatesTogether() {
    String[] texts = {"a", "b", "a", "c", "d", "e", "b", "f", "g", "h"};
    int[] labels = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    int[][] parts = Splits.stratifiedByText(texts, labels, 2, 0.4, 42);
    assertEquals(10, parts[0].length + parts[1].length);
    for (int[] part : parts) {
      long b1 = Arrays.stream(part).filter(i -> i == 0 || i == 2).count();
      assertTrue(b1 == 0 || b1 == 2, "the two 'a' reviews stay together");
    }
    assertEquals(2, Arrays.stream(parts[1]).filter(i -> labels[i] == 0).count());
    assertEquals(2, Arrays.stream(parts[1]).filter(i -> labels[i] == 1).count());
    // the same reviews in reverse order: the same texts in test
    String[] reversed = new String[texts.length];
    int[] revLabels = new int[labels.length];
    for (int i = 0; i < texts.length; i++) {
      reversed[i] = texts[texts.length - 1 - i];
      revLabels[i] = labels[labels.length - 1 - i];
    }
    int[][] again = Splits.stratifiedByText(reversed, revLabels, 2, 0.4, 42);
    assertEquals(
        Arrays.stream(parts[1]).mapToObj(i -> texts[i] + labels[i]).sorted().toList(),
        Arrays.stream(again[1]).mapToObj(i -> reversed[i] + revLabels[i]).sorted().toList());
  }
}

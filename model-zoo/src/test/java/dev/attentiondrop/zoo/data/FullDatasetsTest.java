package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full datasets from the cache filled by {@code scripts/fetch-data.sh}; each test is skipped when
 * its dataset is not cached.
 */
class FullDatasetsTest {

  private static void assumeCached(String name) {
    assumeTrue(
        Files.isDirectory(Datasets.cacheRoot().resolve(name)),
        name + " not cached; run scripts/fetch-data.sh " + name);
  }

  private static void assertImages(String name, int train, int test, int side) throws IOException {
    assumeCached(name);
    ImageDataset tr = Datasets.loadImages(name, "train");
    ImageDataset te = Datasets.loadImages(name, "test");
    assertArrayEquals(new int[] {train, side, side}, tr.shape());
    assertArrayEquals(new int[] {test, side, side}, te.shape());
    for (ImageDataset d : new ImageDataset[] {tr, te}) {
      assertTrue(Arrays.stream(d.classCounts()).allMatch(c -> c > 0), name + " has every class");
    }
  }

  @Test
  void fashionMnistHasTheOfficialSplit() throws IOException {
    assertImages("fashion-mnist", 60000, 10000, 28);
    int[] perClass = new int[10];
    Arrays.fill(perClass, 6000);
    assertArrayEquals(perClass, Datasets.loadImages("fashion-mnist", "train").classCounts());
  }

  @Test
  void mnistHasTheOfficialSplit() throws IOException {
    assertImages("mnist", 60000, 10000, 28);
  }

  @Test
  void digitsAreSplitEightyTwentyPerClass() throws IOException {
    assertImages("digits", 1438, 359, 8);
    int[] train = Datasets.load("digits", "train").classCounts();
    int[] test = Datasets.load("digits", "test").classCounts();
    for (int c = 0; c < 10; c++) {
      assertEquals(Math.round(0.2 * (train[c] + test[c])), test[c], "class " + c);
    }
  }

  @Test
  void spamAssassinHasEveryMessageAndTheMiniTestComesFromTheFullTest() throws IOException {
    assumeCached("spam-assassin");
    TextDataset train = Datasets.loadTexts("spam-assassin", "train");
    TextDataset test = Datasets.loadTexts("spam-assassin", "test");
    assertEquals(6046, train.size() + test.size());
    assertEquals(4150, train.classCounts()[0] + test.classCounts()[0]);
    assertEquals(1896, train.classCounts()[1] + test.classCounts()[1]);
    Set<String> fullTest = Arrays.stream(test.texts()).collect(Collectors.toSet());
    for (String mini : Datasets.loadTexts("spam-assassin-mini", "test").texts()) {
      assertTrue(
          fullTest.stream().anyMatch(t -> t.startsWith(mini)),
          "mini test message not in the full test split: " + mini);
    }
  }

  @Test
  void imdbIsSplitHalfAndHalfPerClassDisjointAndFixed() throws IOException {
    assumeCached("imdb");
    TextDataset train = Datasets.loadTexts("imdb", "train");
    TextDataset test = Datasets.loadTexts("imdb", "test");
    for (TextDataset d : new TextDataset[] {train, test}) {
      assertEquals(25000, d.size(), d.split());
      assertArrayEquals(new int[] {12500, 12500}, d.classCounts(), d.split());
      assertEquals(Imdb.CLASSES, d.classNames());
      assertTrue(d.source().contains("MIT license"), d.source());
    }
    Set<String> trainTexts = new HashSet<>(Arrays.asList(train.texts()));
    assertTrue(
        Arrays.stream(test.texts()).noneMatch(trainTexts::contains),
        "a review text is in both splits");

    TextDataset again = Datasets.loadTexts("imdb", "train");
    assertArrayEquals(train.texts(), again.texts(), "the same split on a second load");
    assertArrayEquals(train.labels(), again.labels());
    // fixed forever: a fingerprint of each split, computed when the split was introduced
    assertEquals(IMDB_TRAIN_SHA256, fingerprint(train), "the train split changed");
    assertEquals(IMDB_TEST_SHA256, fingerprint(test), "the test split changed");

    for (String split : Datasets.SPLITS) {
      TreeSet<String> full =
          new TreeSet<>(Arrays.asList((split.equals("train") ? train : test).texts()));
      for (String mini : Datasets.loadTexts("imdb-mini", split).texts()) {
        String next = full.ceiling(mini);
        assertTrue(
            next != null && next.startsWith(mini),
            "mini " + split + " review not in the full " + split + " split: " + mini);
      }
    }
  }

  @Test
  void imdbSplitDoesNotDependOnTheOrderOfTheFile(@TempDir Path dir) throws IOException {
    assumeCached("imdb");
    TextDataset all =
        Imdb.readReviews("imdb", Datasets.cacheRoot().resolve("imdb/reviews.json"), "test");
    int n = all.size();
    int[] reversed = IntStream.range(0, n).map(i -> n - 1 - i).toArray();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    Imdb.writeReviews(all.subset("all", reversed), gz);
    Path file =
        Files.write(dir.resolve("reviews.json"), RawFile.of("gz", gz.toByteArray()).bytes());
    gz = null;
    all = null;
    TextDataset test = Datasets.loadTexts("imdb", "test");
    TextDataset shuffledTest = Imdb.load("imdb", "test", file, "test");
    assertEquals(sortedReviews(test), sortedReviews(shuffledTest));
  }

  // Also reproduced by an independent Python implementation of the split (java.util.Random's
  // LCG, texts sorted by UTF-16 code units) when the split was introduced.
  private static final String IMDB_TRAIN_SHA256 =
      "439fe69761d2e5eb95c0f91509fa665aee763b61a73325f89157d4f2b41f3344";
  private static final String IMDB_TEST_SHA256 =
      "1ee7d687badecb4e200b99b6503072e4037fb5e12e9aa7aa6685df3cc3824dc9";

  /** SHA-256 of "label TAB text LF" over the split, in order. */
  private static String fingerprint(TextDataset d) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int i = 0; i < d.size(); i++) {
        sha.update((d.labels()[i] + "\t" + d.texts()[i] + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> sortedReviews(TextDataset d) {
    return IntStream.range(0, d.size())
        .mapToObj(i -> d.labels()[i] + "\t" + d.texts()[i])
        .sorted()
        .toList();
  }
}

package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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
}

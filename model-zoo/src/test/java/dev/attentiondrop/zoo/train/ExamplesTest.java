package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.data.Datasets;
import dev.attentiondrop.zoo.models.Tokenizer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Training-example limits")
class ExamplesTest {
  @Test
  @DisplayName("a limit draws a seeded subset, so a class-sorted file still gives both classes")
  void limitIsASeededSubsetNotAPrefix() throws Exception {
    var texts = Datasets.loadTexts("spam-assassin-mini", "train");
    assertEquals(0, texts.labels()[0], "the file lists ham first");
    Examples all = Examples.of(texts, Tokenizer.fit(texts.texts(), 500), 32);
    Examples some = all.limit(100);
    int spam = 0;
    for (int y : some.labels()) {
      spam += y;
    }
    // half of the 400 are spam: 100 draws without replacement, sd ~ 4.3; 30..70 is > 4.6 sd
    assertTrue(spam > 30 && spam < 70, "spam in the subset: " + spam);
    assertArrayEquals(some.labels(), all.limit(100).labels(), "the same subset every time");
    assertEquals(100 * 32, some.ids().length);
  }
}

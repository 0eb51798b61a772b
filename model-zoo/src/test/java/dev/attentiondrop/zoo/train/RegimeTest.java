package dev.attentiondrop.zoo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.Json;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The data regimes: stratified subsets and hold-outs, and label noise, checked statistically. */
@DisplayName("regimes: stratified subsets, hold-outs and label noise")
class RegimeTest {
  /** n examples of C classes with unequal sizes (class c holds about (c + 1) shares), sorted. */
  static Examples examples(int n, int classes) {
    int[] labels = new int[n];
    int total = classes * (classes + 1) / 2;
    int i = 0;
    for (int c = 0; c < classes; c++) {
      int count = c == classes - 1 ? n - i : n * (c + 1) / total;
      for (int k = 0; k < count; k++) {
        labels[i++] = c;
      }
    }
    int[] ids = new int[n];
    for (int k = 0; k < n; k++) {
      ids[k] = k; // the id is the example's position, so subsets can be traced
    }
    return new Examples(false, n, new int[] {1}, null, ids, labels, classes);
  }

  private static int[] counts(Examples e) {
    int[] c = new int[e.numClasses()];
    for (int y : e.labels()) {
      c[y]++;
    }
    return c;
  }

  @Test
  @DisplayName("a limit keeps each class's share (within one example) and file order")
  void limitIsStratified() {
    Examples all = examples(10_000, 4); // class sizes 1000, 2000, 3000, 4000
    Examples kept = all.limit(777);
    assertEquals(777, kept.n());
    int[] full = counts(all);
    int[] part = counts(kept);
    for (int c = 0; c < 4; c++) {
      assertEquals(full[c] * 777.0 / 10_000, part[c], 1.0, "class " + c);
    }
    int[] ids = kept.ids();
    int[] sorted = ids.clone();
    Arrays.sort(sorted);
    assertArrayEquals(sorted, ids, "file order kept");
    assertArrayEquals(ids, all.limit(777).ids(), "the same subset every time");
  }

  @Test
  @DisplayName("a hold-out is stratified, disjoint from what is kept, and covers everything")
  void splitIsStratifiedAndDisjoint() {
    Examples all = examples(5_000, 3);
    Examples[] parts = all.split(0.1, 7);
    assertEquals(500, parts[1].n());
    assertEquals(4_500, parts[0].n());
    int[] full = counts(all);
    int[] held = counts(parts[1]);
    for (int c = 0; c < 3; c++) {
      assertEquals(full[c] * 0.1, held[c], 1.0, "class " + c);
    }
    boolean[] seen = new boolean[5_000];
    for (Examples p : parts) {
      for (int id : p.ids()) {
        assertTrue(!seen[id], "example " + id + " in both parts");
        seen[id] = true;
      }
    }
    for (boolean b : seen) {
      assertTrue(b);
    }
    assertNotEquals(
        Arrays.toString(parts[1].ids()), Arrays.toString(all.split(0.1, 8)[1].ids()), "seeded");
  }

  @Test
  @DisplayName("symmetric noise: each label flipped with probability rate, uniformly to others")
  void symmetricNoise() {
    int n = 40_000;
    int classes = 5;
    Examples clean = examples(n, classes);
    double rate = 0.3;
    Examples noisy =
        clean.withLabelNoise(new LabelNoiseConfig(rate, LabelNoiseConfig.Kind.SYMMETRIC), 42);
    int flipped = 0;
    long[][] moves = new long[classes][classes];
    for (int i = 0; i < n; i++) {
      int from = clean.labels()[i];
      int to = noisy.labels()[i];
      if (from != to) {
        flipped++;
        moves[from][(to - from + classes) % classes]++;
      }
    }
    // binomial(n, rate): sd = sqrt(n rate (1 - rate)) = 91.7; 5 sd
    assertEquals(rate * n, flipped, 5 * Math.sqrt(n * rate * (1 - rate)));
    // the wrong class is uniform over the C - 1 others: chi-square over all (from, offset) cells
    double chi = 0;
    int cells = 0;
    for (int c = 0; c < classes; c++) {
      long row = Arrays.stream(moves[c]).sum();
      for (int k = 1; k < classes; k++) {
        double expected = row / (classes - 1.0);
        chi += (moves[c][k] - expected) * (moves[c][k] - expected) / expected;
        cells++;
      }
    }
    // df = classes * (classes - 2) = 15; P(chi2_15 > 37.7) = 0.001
    assertTrue(chi < 37.7, "chi-square " + chi + " over " + cells + " cells");
    assertArrayEquals(
        noisy.labels(),
        clean
            .withLabelNoise(new LabelNoiseConfig(rate, LabelNoiseConfig.Kind.SYMMETRIC), 42)
            .labels(),
        "seeded");
    assertArrayEquals(clean.ids(), noisy.ids(), "inputs untouched");
  }

  @Test
  @DisplayName("pair noise moves class c to c + 1 mod C, at the rate")
  void pairNoise() {
    int n = 20_000;
    Examples clean = examples(n, 4);
    Examples noisy = clean.withLabelNoise(new LabelNoiseConfig(0.4, LabelNoiseConfig.Kind.PAIR), 1);
    int flipped = 0;
    for (int i = 0; i < n; i++) {
      int from = clean.labels()[i];
      int to = noisy.labels()[i];
      if (from != to) {
        flipped++;
        assertEquals((from + 1) % 4, to);
      }
    }
    assertEquals(0.4 * n, flipped, 5 * Math.sqrt(n * 0.4 * 0.6));
  }

  @Test
  @DisplayName("configs: JSON round trip with defaults, parse, and named range errors")
  void configs() {
    LabelNoiseConfig noise = LabelNoiseConfig.parse("0.4:pair");
    assertEquals(new LabelNoiseConfig(0.4, LabelNoiseConfig.Kind.PAIR), noise);
    assertEquals(noise, Json.read(Json.write(noise), LabelNoiseConfig.class));
    assertEquals(LabelNoiseConfig.builder().build(), Json.read("{}", LabelNoiseConfig.class));
    assertEquals(SelectionConfig.builder().build(), Json.read("{}", SelectionConfig.class));
    TrainConfig tc =
        TrainConfig.builder()
            .labelNoise(noise)
            .selection(SelectionConfig.builder().validationFraction(0.2).patience(3).build())
            .testLimit(500)
            .build();
    assertEquals(tc, Json.read(Json.write(tc), TrainConfig.class));
    assertTrue(!Json.write(TrainConfig.builder().build()).contains("selection"), "null: omitted");
    var e = assertThrows(IllegalArgumentException.class, () -> LabelNoiseConfig.parse("1.5"));
    assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LabelNoiseConfig.parse("0.2:sideways"));
    var f =
        assertThrows(
            IllegalArgumentException.class,
            () -> SelectionConfig.builder().validationFraction(0.9).build());
    assertTrue(f.getMessage().contains("validation_fraction must be in (0, 0.5]"), f.getMessage());
  }
}

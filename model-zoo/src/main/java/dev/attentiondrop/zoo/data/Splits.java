package dev.attentiondrop.zoo.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Deterministic stratified train/test split for datasets without an official one.
 *
 * <p>For each class in label order, the indices of its examples (ascending) are shuffled by
 * Fisher-Yates with one {@code java.util.Random(seed)} shared across classes (its algorithm is
 * fixed by the Java specification, so the split is the same on every JVM); the first {@code
 * round(testFraction * count)} go to test, the rest to train. Both index lists come back sorted, so
 * each split keeps file order.
 *
 * <p>{@link #stratifiedByText} is the variant for texts that does not depend on file order and
 * keeps identical texts together.
 */
final class Splits {
  private Splits() {}

  /** {@code {train indices, test indices}}. */
  static int[][] stratified(int[] labels, int classes, double testFraction, long seed) {
    Random random = new Random(seed);
    boolean[] test = new boolean[labels.length];
    for (int c = 0; c < classes; c++) {
      int cls = c;
      int[] idx = IntStream.range(0, labels.length).filter(i -> labels[i] == cls).toArray();
      for (int i = idx.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      long testCount = Math.round(testFraction * idx.length);
      for (int i = 0; i < testCount; i++) {
        test[idx[i]] = true;
      }
    }
    return new int[][] {
      IntStream.range(0, labels.length).filter(i -> !test[i]).toArray(),
      IntStream.range(0, labels.length).filter(i -> test[i]).toArray()
    };
  }

  /**
   * A stratified split of texts whose membership depends only on the (text, label) pairs, not on
   * their order in the file, and that never separates identical texts of a class.
   *
   * <p>For each class in label order: its examples are grouped by identical text, the groups are
   * sorted by text ({@link String#compareTo}, a total order, so there are no ties to break), and
   * the groups are shuffled by Fisher-Yates with one {@code java.util.Random(seed)} shared across
   * classes. Walking the shuffled groups, a group goes to test while it fits in the class's test
   * quota of {@code round(testFraction * count)} examples, otherwise to train. With enough single
   * texts left (always the case for real data) test gets the quota exactly; the caller checks. Both
   * index lists come back sorted, so each split keeps file order.
   *
   * @return {@code {train indices, test indices}}
   */
  static int[][] stratifiedByText(
      String[] texts, int[] labels, int classes, double testFraction, long seed) {
    Random random = new Random(seed);
    boolean[] test = new boolean[labels.length];
    for (int c = 0; c < classes; c++) {
      int cls = c;
      Integer[] idx =
          IntStream.range(0, labels.length)
              .filter(i -> labels[i] == cls)
              .boxed()
              .toArray(Integer[]::new);
      Arrays.sort(idx, Comparator.<Integer, String>comparing(i -> texts[i]).thenComparing(i -> i));
      List<int[]> groups = new ArrayList<>();
      for (int start = 0; start < idx.length; ) {
        int end = start + 1;
        while (end < idx.length && texts[idx[end]].equals(texts[idx[start]])) {
          end++;
        }
        int[] g = new int[end - start];
        for (int k = 0; k < g.length; k++) {
          g[k] = idx[start + k];
        }
        groups.add(g);
        start = end;
      }
      for (int i = groups.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        groups.set(i, groups.set(j, groups.get(i)));
      }
      long quota = Math.round(testFraction * idx.length);
      long taken = 0;
      for (int[] g : groups) {
        if (taken + g.length <= quota) {
          taken += g.length;
          for (int k : g) {
            test[k] = true;
          }
        }
      }
    }
    return new int[][] {
      IntStream.range(0, labels.length).filter(i -> !test[i]).toArray(),
      IntStream.range(0, labels.length).filter(i -> test[i]).toArray()
    };
  }
}

package dev.attentiondrop.zoo.data;

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
}

package dev.attentiondrop.zoo.train;

import java.util.Random;

/** Seeded Fisher-Yates permutations ({@code java.util.Random}, whose algorithm Java fixes). */
final class Permutation {
  private Permutation() {}

  /**
   * A permutation of {@code 0 .. n-1} determined by {@code seed}: starting from the identity, for
   * {@code i = n-1} down to 1, swap {@code idx[i]} and {@code idx[j]} with {@code j =
   * random.nextInt(i + 1)}.
   *
   * @param n the number of indices
   * @param seed the seed of {@code java.util.Random}
   * @return the permuted indices
   */
  static int[] of(int n, long seed) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }
}

package dev.attentiondrop.ops.hardmask;

import dev.attentiondrop.ops.Checks;

/**
 * How many logits per query row are candidates for dropping: a fixed count {@code k}, or a fraction
 * {@code f} of the row's valid (unmasked) keys, {@code k_i = ceil(f * n_i - 1e-9)} (the 1e-9 keeps
 * products such as 0.3 * 10 = 3.0000000000000004 from rounding up).
 */
public sealed interface TopK {
  /** Largest count accepted. */
  int MAX_COUNT = 1 << 20;

  /**
   * A fixed count, {@code 1 <= k}; {@code k >= } valid keys makes every valid key a candidate.
   *
   * @param k the count {@code k}, at least 1
   * @return a fixed count, {@code 1 <= k}
   */
  static TopK count(int k) {
    return new Count(Checks.inRange("k", k, 1, MAX_COUNT));
  }

  /**
   * A fraction of the valid keys, {@code 0 < f <= 1}.
   *
   * @param f the fraction {@code f} of valid keys, in {@code (0, 1]}
   * @return a fraction of the valid keys, {@code 0 < f <= 1}
   */
  static TopK fraction(double f) {
    return new Fraction(Checks.inOpenClosed("k fraction", f, 0, 1));
  }

  /** A fixed number of candidates per row. */
  record Count(int k) implements TopK {
    /**
     * Validates the components.
     *
     * @param k the k
     * @throws IllegalArgumentException when a component is out of its documented range
     */
    public Count {
      Checks.inRange("k", k, 1, MAX_COUNT);
    }

    @Override
    public String toString() {
      return Integer.toString(k);
    }
  }

  /** {@code ceil(f * n_i)} candidates in a row with {@code n_i} valid keys. */
  record Fraction(double f) implements TopK {
    /**
     * Validates the components.
     *
     * @param f the f
     * @throws IllegalArgumentException when a component is out of its documented range
     */
    public Fraction {
      Checks.inOpenClosed("k fraction", f, 0, 1);
    }

    @Override
    public String toString() {
      return f + " of valid keys";
    }
  }
}

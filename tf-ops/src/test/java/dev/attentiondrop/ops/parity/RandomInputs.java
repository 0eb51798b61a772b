package dev.attentiondrop.ops.parity;

import dev.attentiondrop.ops.testing.Npy;
import java.util.Arrays;
import java.util.Random;

/**
 * Seeded random float64 inputs for the parity cases: logits (optionally with many ties), uniform
 * noise (optionally hitting a threshold exactly), probability rows, and key masks of the shapes a
 * regularizer meets (causal, padding, arbitrary with a fully masked row).
 */
final class RandomInputs {
  private final Random random;

  RandomInputs(long seed) {
    this.random = new Random(seed);
  }

  static long size(long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** N(0, scale^2) entries. */
  Npy.Array normal(double scale, long... shape) {
    double[] d = new double[(int) size(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = scale * random.nextGaussian();
    }
    return new Npy.Array(d, shape.clone());
  }

  /** Integers in {@code [-range, range]}: rows full of ties. */
  Npy.Array integers(int range, long... shape) {
    double[] d = new double[(int) size(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = random.nextInt(2 * range + 1) - range;
    }
    return new Npy.Array(d, shape.clone());
  }

  /** Logits: with ties (small integers) or without (Gaussian). */
  Npy.Array logits(boolean ties, long... shape) {
    return ties ? integers(3, shape) : normal(2.0, shape);
  }

  /**
   * U[0, 1) entries, about one in six set exactly to {@code threshold} (a strict-inequality check).
   */
  Npy.Array uniform(double threshold, long... shape) {
    double[] d = new double[(int) size(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = random.nextInt(6) == 0 ? threshold : random.nextDouble();
    }
    return new Npy.Array(d, shape.clone());
  }

  /** U[lo, hi) entries. */
  Npy.Array uniformIn(double lo, double hi, long... shape) {
    double[] d = new double[(int) size(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = lo + (hi - lo) * random.nextDouble();
    }
    return new Npy.Array(d, shape.clone());
  }

  /**
   * Attention probabilities {@code [B, H, Q, K]}: positive random rows normalized over the keys the
   * mask allows (may be null), exact zeros elsewhere, all zeros on a fully masked row.
   */
  Npy.Array probabilities(Npy.Array mask, long b, long h, long q, long k) {
    long[] shape = {b, h, q, k};
    double[] valid = mask == null ? ones(shape) : broadcast(mask, shape);
    double[] d = new double[(int) size(shape)];
    for (int row = 0; row < d.length / k; row++) {
      double sum = 0;
      for (int j = 0; j < k; j++) {
        int i = (int) (row * k + j);
        d[i] = valid[i] * Math.exp(1.5 * random.nextGaussian());
        sum += d[i];
      }
      for (int j = 0; j < k && sum > 0; j++) {
        d[(int) (row * k + j)] /= sum;
      }
    }
    return new Npy.Array(d, shape);
  }

  /**
   * The causal mask {@code [1, 1, Q, K]}: key {@code j} allowed for query {@code i} iff {@code j <=
   * i + K - Q}.
   */
  static Npy.Array causal(long q, long k) {
    double[] d = new double[(int) (q * k)];
    for (int i = 0; i < q; i++) {
      for (int j = 0; j < k; j++) {
        d[(int) (i * k + j)] = j <= i + (k - q) ? 1 : 0;
      }
    }
    return new Npy.Array(d, new long[] {1, 1, q, k});
  }

  /**
   * A padding mask {@code [B, 1, 1, K]}: example {@code b} has {@code lengths[b]} valid keys (0:
   * none).
   */
  static Npy.Array padding(long k, int... lengths) {
    double[] d = new double[(int) (lengths.length * k)];
    for (int b = 0; b < lengths.length; b++) {
      for (int j = 0; j < k; j++) {
        d[(int) (b * k + j)] = j < lengths[b] ? 1 : 0;
      }
    }
    return new Npy.Array(d, new long[] {lengths.length, 1, 1, k});
  }

  /**
   * A full mask {@code [B, H, Q, K]}: each key valid with probability {@code density}; the row
   * {@code (0, H-1, 1)} is fully masked and the row {@code (B-1, 0, 0)} has exactly one valid key.
   */
  Npy.Array randomMaskWithEmptyRow(double density, long b, long h, long q, long k) {
    long[] shape = {b, h, q, k};
    double[] d = new double[(int) size(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = random.nextDouble() < density ? 1 : 0;
    }
    long empty = ((0 * h + (h - 1)) * q + 1) * k;
    Arrays.fill(d, (int) empty, (int) (empty + k), 0);
    long single = ((b - 1) * h * q) * k;
    Arrays.fill(d, (int) single, (int) (single + k), 0);
    d[(int) (single + random.nextInt((int) k))] = 1;
    return new Npy.Array(d, shape);
  }

  /** {@code x} with NaN wherever {@code mask} (broadcast) forbids a key: "never read". */
  static Npy.Array poisonMasked(Npy.Array x, Npy.Array mask) {
    double[] valid = broadcast(mask, x.shape());
    double[] d = x.data().clone();
    for (int i = 0; i < d.length; i++) {
      if (valid[i] == 0) {
        d[i] = Double.NaN;
      }
    }
    return new Npy.Array(d, x.shape().clone());
  }

  /**
   * {@code x} with every entry where {@code mask} (broadcast) allows a key set to {@code value}.
   */
  static Npy.Array fillValid(Npy.Array x, Npy.Array mask, double value) {
    double[] valid = mask == null ? ones(x.shape()) : broadcast(mask, x.shape());
    double[] d = x.data().clone();
    for (int i = 0; i < d.length; i++) {
      if (valid[i] != 0) {
        d[i] = value;
      }
    }
    return new Npy.Array(d, x.shape().clone());
  }

  static Npy.Array scalar(double v) {
    return new Npy.Array(new double[] {v}, new long[0]);
  }

  static Npy.Array of(double[] data, long... shape) {
    return new Npy.Array(data.clone(), shape.clone());
  }

  private static double[] ones(long[] shape) {
    double[] d = new double[(int) size(shape)];
    Arrays.fill(d, 1);
    return d;
  }

  /** NumPy-style broadcast of {@code a} (same rank) to {@code shape}. */
  static double[] broadcast(Npy.Array a, long[] shape) {
    long[] from = a.shape();
    if (from.length != shape.length) {
      throw new IllegalArgumentException(
          "rank " + from.length + " cannot broadcast to " + Arrays.toString(shape));
    }
    double[] out = new double[(int) size(shape)];
    long[] idx = new long[shape.length];
    for (int flat = 0; flat < out.length; flat++) {
      long rest = flat;
      for (int d = shape.length - 1; d >= 0; d--) {
        idx[d] = rest % shape[d];
        rest /= shape[d];
      }
      long src = 0;
      for (int d = 0; d < shape.length; d++) {
        src = src * from[d] + (from[d] == 1 ? 0 : idx[d]);
      }
      out[flat] = a.data()[(int) src];
    }
    return out;
  }
}

package dev.attentiondrop.experiments;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.TDistribution;

/** Means with t-based 95% confidence intervals and paired two-sided t-tests. */
final class Stats {
  private Stats() {}

  /** Mean, the half-width of its 95% CI (NaN for n < 2), and n. */
  record Interval(double mean, double halfWidth, int n) {
    String format(int digits, double scale) {
      if (n == 0) {
        return "n/a";
      }
      String f = "%." + digits + "f";
      return Double.isNaN(halfWidth)
          ? String.format(f, mean * scale)
          : String.format(f + " ± " + f, mean * scale, halfWidth * scale);
    }

    boolean above(double x) {
      return !Double.isNaN(halfWidth) && mean - halfWidth > x;
    }

    boolean below(double x) {
      return !Double.isNaN(halfWidth) && mean + halfWidth < x;
    }
  }

  static Interval interval(double[] x) {
    int n = x.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, 0);
    }
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= n;
    if (n < 2) {
      return new Interval(mean, Double.NaN, n);
    }
    double ss = 0;
    for (double v : x) {
      ss += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(ss / (n - 1));
    double t = new TDistribution(n - 1).inverseCumulativeProbability(0.975);
    return new Interval(mean, t * sd / Math.sqrt(n), n);
  }

  /**
   * Two-sided p-value of the paired t-test of mean difference 0 (NaN for n < 2 or zero variance).
   */
  static double pairedP(double[] diffs) {
    int n = diffs.length;
    if (n < 2) {
      return Double.NaN;
    }
    Interval i = interval(diffs);
    double ss = 0;
    for (double v : diffs) {
      ss += (v - i.mean()) * (v - i.mean());
    }
    double se = Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    if (se == 0) {
      return i.mean() == 0 ? 1.0 : 0.0;
    }
    double t = Math.abs(i.mean() / se);
    return 2 * (1 - new TDistribution(n - 1).cumulativeProbability(t));
  }

  /**
   * Holm's step-down adjustment of the p-values of one family of {@code m} tests (Holm 1979): with
   * the raw p-values sorted ascending, {@code p_(1) <= ... <= p_(m)}, the adjusted {@code p~_(i) =
   * min(1, max_{j <= i} (m - j + 1) p_(j))}; rejecting where {@code p~ < alpha} controls the
   * family-wise error rate at {@code alpha}. NaN p-values (a test that could not be run) are left
   * NaN and do not count in {@code m}.
   *
   * @param p raw p-values, in the family's order
   * @return adjusted p-values, in the same order
   */
  static double[] holm(double[] p) {
    Integer[] order =
        IntStream.range(0, p.length)
            .filter(i -> !Double.isNaN(p[i]))
            .boxed()
            .sorted((a, b) -> Double.compare(p[a], p[b]))
            .toArray(Integer[]::new);
    int m = order.length;
    double[] adjusted = new double[p.length];
    Arrays.fill(adjusted, Double.NaN);
    double running = 0;
    for (int k = 0; k < m; k++) {
      running = Math.max(running, Math.min(1, (m - k) * p[order[k]]));
      adjusted[order[k]] = running;
    }
    return adjusted;
  }
}

package dev.attentiondrop.ops.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

/**
 * Statistical assertions with tolerances derived from the sample size. Every bound uses {@link #Z},
 * a two-sided normal quantile for a false-alarm rate of about 1e-6 per assertion, so the suite is
 * reliable while a real bias of a few standard errors still fails.
 */
public final class Stats {
  /** Two-sided z for alpha ~ 1e-6. */
  public static final double Z = 4.9;

  private Stats() {}

  /** {@code successes / n} is within {@code Z} binomial standard errors of {@code p}. */
  public static void assertBinomial(String what, long successes, long n, double p) {
    double observed = (double) successes / n;
    double se = Math.sqrt(p * (1 - p) / n);
    double bound = Z * se + 0.5 / n; // continuity correction
    assertTrue(
        Math.abs(observed - p) <= bound,
        what + ": observed rate " + observed + " over n=" + n + ", expected " + p + " +- " + bound);
  }

  /** Sample mean within {@code Z} standard errors of {@code mu}, for known per-sample sd. */
  public static void assertMean(String what, double mean, double mu, double sd, long n) {
    double bound = Z * sd / Math.sqrt(n);
    assertTrue(
        Math.abs(mean - mu) <= bound,
        what + ": mean " + mean + " over n=" + n + ", expected " + mu + " +- " + bound);
  }

  /**
   * One-sample Kolmogorov-Smirnov test against U(lo, hi) at alpha = 1e-4 (critical value {@code
   * 2.30 / sqrt(n)}, Kolmogorov distribution asymptote).
   */
  public static void assertUniform(String what, double[] samples, double lo, double hi) {
    double[] x = samples.clone();
    Arrays.sort(x);
    int n = x.length;
    double d = 0;
    for (int i = 0; i < n; i++) {
      double f = Math.min(1, Math.max(0, (x[i] - lo) / (hi - lo)));
      d = Math.max(d, Math.max((i + 1.0) / n - f, f - (double) i / n));
    }
    double critical = 2.30 / Math.sqrt(n);
    assertTrue(
        d <= critical,
        what
            + ": KS statistic "
            + d
            + " > "
            + critical
            + " (n="
            + n
            + ") vs U("
            + lo
            + ", "
            + hi
            + ")");
    assertTrue(x[0] >= lo && x[n - 1] <= hi, what + ": samples outside [" + lo + ", " + hi + "]");
  }

  /** Standard-normal random numbers from a fixed seed. */
  public static double[] gaussian(long seed, int n) {
    Random r = new Random(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextGaussian();
    }
    return out;
  }
}

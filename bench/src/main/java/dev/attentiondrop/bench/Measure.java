package dev.attentiondrop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Timing and memory of the running process. */
public final class Measure {
  private Measure() {}

  /** Median, min and max of {@code reps} timed calls after {@code warmup} untimed ones, in ms. */
  public record Timing(double median, double min, double max, int reps) {}

  /**
   * Interleaved timing of {@code plain} and a variant: the median per-pair ratio {@code variant_i /
   * plain_i} and its distribution-free 95% confidence interval (order statistics of the ratios,
   * binomial ranks), with each side's median step time.
   */
  public record Paired(
      double ratio, double lo, double hi, int pairs, double plainMedian, double variantMedian) {}

  /**
   * Warms {@code variant} up, then times {@code pairs} pairs of steps, alternating which of the two
   * goes first; {@code plainStep} is plain's step counter, shared across calls.
   */
  public static Paired paired(
      BenchModels.Stepper plain,
      BenchModels.Stepper variant,
      long[] plainStep,
      int warmup,
      int pairs) {
    if (pairs < 6) {
      throw new IllegalArgumentException("--paired needs at least 6 reps, got " + pairs);
    }
    long step = 0;
    for (int i = 0; i < warmup; i++) {
      variant.step(step++);
    }
    double[] p = new double[pairs];
    double[] v = new double[pairs];
    double[] ratio = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      if (i % 2 == 0) {
        p[i] = timed(plain, plainStep[0]++);
        v[i] = timed(variant, step++);
      } else {
        v[i] = timed(variant, step++);
        p[i] = timed(plain, plainStep[0]++);
      }
      ratio[i] = v[i] / p[i];
    }
    Arrays.sort(ratio);
    int[] ci = medianRanks(pairs);
    return new Paired(median(ratio), ratio[ci[0]], ratio[ci[1]], pairs, median(p), median(v));
  }

  /**
   * 0-based ranks {@code (j, k)} of the sorted sample with {@code P(X_(j) <= median <= X_(k)) >=
   * 0.95}: the smallest symmetric pair under Binomial(n, 1/2).
   *
   * @param n the sample size
   * @return the two 0-based ranks
   */
  public static int[] medianRanks(int n) {
    double[] cdf = new double[n + 1];
    double pmf = Math.pow(0.5, n);
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      sum += pmf;
      cdf[i] = sum;
      pmf = pmf * (n - i) / (i + 1);
    }
    // P(X_(j+1) <= m <= X_(n-j)) (1-based) = 1 - 2 P(B <= j); take the largest j keeping >= 0.95.
    int j = 0;
    while (j + 1 < n / 2 && 1 - 2 * cdf[j + 1] >= 0.95) {
      j++;
    }
    return new int[] {j, n - 1 - j};
  }

  private static double timed(BenchModels.Stepper s, long step) {
    long t0 = System.nanoTime();
    s.step(step);
    return (System.nanoTime() - t0) / 1e6;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  public static Timing time(BenchModels.Stepper stepper, int warmup, int reps) {
    return time(stepper, warmup, reps, Double.POSITIVE_INFINITY);
  }

  /**
   * As {@link #time(BenchModels.Stepper, int, int)}, but when the first timed step shows that
   * {@code reps} steps would take more than {@code budgetMs}, only {@code max(3, budgetMs / first)}
   * steps are timed (never more than {@code reps}).
   */
  public static Timing time(BenchModels.Stepper stepper, int warmup, int reps, double budgetMs) {
    long step = 0;
    for (int i = 0; i < warmup; i++) {
      stepper.step(step++);
    }
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      stepper.step(step++);
      ms[i] = (System.nanoTime() - t0) / 1e6;
      if (i == 0 && reps > 3 && ms[0] * reps > budgetMs) {
        reps = Math.max(3, Math.min(reps, (int) (budgetMs / ms[0])));
        ms = Arrays.copyOf(ms, reps);
      }
    }
    Arrays.sort(ms);
    double median = reps % 2 == 1 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2;
    return new Timing(median, ms[0], ms[reps - 1], reps);
  }

  /**
   * Resets the process's peak RSS ({@code VmHWM}) to its current RSS: writing 5 to {@code
   * /proc/self/clear_refs} (Linux 4.0+). Returns false where that is not possible.
   */
  public static boolean resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** {@code VmHWM} (peak RSS since start or the last reset) in MiB, NaN where unknown. */
  public static double peakRssMb() {
    return statusKb("VmHWM:") / 1024.0;
  }

  /** {@code VmRSS} in MiB, NaN where unknown. */
  public static double rssMb() {
    return statusKb("VmRSS:") / 1024.0;
  }

  private static double statusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Double.parseDouble(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Double.NaN;
  }

  /**
   * Sets the thread environment of a measured child process: {@code OMP_NUM_THREADS}, {@code
   * MKL_NUM_THREADS}, {@code TF_NUM_INTRAOP_THREADS} and {@code TF_NUM_INTEROP_THREADS} to {@code
   * threads}; and, unless already set, {@code TF_CPP_MIN_LOG_LEVEL=2} and {@code
   * OMP_WAIT_POLICY=PASSIVE}. OpenMP threads that spin while waiting (libgomp's default in PyTorch)
   * lose their time slice to any other load and then stall every barrier: measured 22 ms (PASSIVE)
   * against 800 ms (ACTIVE) for the same PyTorch step on a 2-core machine under a background job.
   *
   * @param env the child's environment, changed in place
   * @param threads intra-op = inter-op = OpenMP/MKL threads
   */
  public static void threadEnvironment(java.util.Map<String, String> env, int threads) {
    String n = Integer.toString(threads);
    env.put("OMP_NUM_THREADS", n);
    env.put("MKL_NUM_THREADS", n);
    env.put("TF_NUM_INTRAOP_THREADS", n);
    env.put("TF_NUM_INTEROP_THREADS", n);
    env.putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "2");
    env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
  }
}

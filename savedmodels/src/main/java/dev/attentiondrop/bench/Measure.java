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
        ms = java.util.Arrays.copyOf(ms, reps);
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
}

package dev.attentiondrop.zoo.train;

import dev.attentiondrop.ops.Checks;

/**
 * Linear warmup then cosine decay, per update step {@code s = 0 .. total - 1}:
 *
 * <pre>
 *   lr(s) = base * (s + 1) / warmup                                    s &lt; warmup
 *   lr(s) = base * (r + (1 - r) * (1 + cos(pi * (s - warmup) / (total - warmup))) / 2)   otherwise
 * </pre>
 *
 * with {@code r} the final ratio {@code minRatio}. With {@code warmup = 0} there is no warmup; the
 * decay's denominator is at least 1, and its progress is clamped at 1, so from {@code s = total} on
 * the rate stays at {@code base * r}.
 *
 * @param base the peak learning rate, finite, {@code > 0}
 * @param warmupSteps the number {@code warmup} of linear warmup steps, in {@code [0, totalSteps]}
 * @param totalSteps the total number {@code total} of update steps, {@code >= 1}
 * @param minRatio the final ratio {@code r} of the rate to {@code base}, in {@code [0, 1]}
 */
public record LearningRateSchedule(double base, int warmupSteps, int totalSteps, double minRatio) {

  /**
   * Validates the parameters.
   *
   * @param base the peak learning rate, finite, {@code > 0}
   * @param warmupSteps the number of linear warmup steps, in {@code [0, totalSteps]}
   * @param totalSteps the total number of update steps, {@code >= 1}
   * @param minRatio the final ratio of the rate to {@code base}, in {@code [0, 1]}
   * @throws IllegalArgumentException if a parameter is outside its range
   */
  public LearningRateSchedule {
    Checks.positiveFinite("learning_rate", base);
    Checks.inRange("total steps", totalSteps, 1, Integer.MAX_VALUE);
    Checks.inRange("warmup steps", warmupSteps, 0, totalSteps);
    Checks.inClosed("min_lr_ratio", minRatio, 0, 1);
  }

  /**
   * The learning rate of one update step, by the formula of the class comment (the cosine progress
   * {@code (s - warmup) / max(1, total - warmup)} clamped to at most 1).
   *
   * @param step the update step {@code s}, counted from 0
   * @return {@code lr(s)}
   */
  public double at(long step) {
    if (step < warmupSteps) {
      return base * (step + 1) / warmupSteps;
    }
    int decay = Math.max(1, totalSteps - warmupSteps);
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decay);
    return base * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}

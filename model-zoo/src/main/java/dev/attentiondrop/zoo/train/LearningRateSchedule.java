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
 * with {@code r} the final ratio {@code minRatio}.
 */
public record LearningRateSchedule(double base, int warmupSteps, int totalSteps, double minRatio) {

  public LearningRateSchedule {
    Checks.positiveFinite("learning_rate", base);
    Checks.inRange("total steps", totalSteps, 1, Integer.MAX_VALUE);
    Checks.inRange("warmup steps", warmupSteps, 0, totalSteps);
    Checks.inClosed("min_lr_ratio", minRatio, 0, 1);
  }

  public double at(long step) {
    if (step < warmupSteps) {
      return base * (step + 1) / warmupSteps;
    }
    int decay = Math.max(1, totalSteps - warmupSteps);
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decay);
    return base * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}

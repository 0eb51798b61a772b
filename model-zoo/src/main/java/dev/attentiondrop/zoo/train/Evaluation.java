package dev.attentiondrop.zoo.train;

import dev.attentiondrop.zoo.metrics.Calibration;

/**
 * Clean test metrics of one evaluation (see {@link Calibration} for the definitions), with the full
 * calibration report ({@code null} for a diverged model).
 */
public record Evaluation(
    double accuracy, double nll, double ece, double brier, Calibration.Report report) {

  /**
   * The metrics of {@code probabilities}; a diverged model (non-finite probabilities) gets NaN
   * metrics instead of an exception, so the run records what happened.
   */
  public static Evaluation of(float[][] probabilities, int[] labels, int bins) {
    for (float[] row : probabilities) {
      for (float p : row) {
        if (!Float.isFinite(p)) {
          return new Evaluation(Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        }
      }
    }
    Calibration.Report r = Calibration.evaluate(probabilities, labels, bins);
    return new Evaluation(r.accuracy(), r.nll(), r.ece(), r.brier(), r);
  }
}

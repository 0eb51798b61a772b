package dev.attentiondrop.zoo.train;

import dev.attentiondrop.zoo.metrics.Calibration;

/**
 * Clean test metrics of one evaluation (see {@link Calibration} for the definitions), with the full
 * calibration report ({@code null} for a diverged model).
 *
 * @param accuracy fraction of examples whose argmax equals the label, NaN for a diverged model
 * @param nll mean negative log-likelihood {@code mean_i -log(max(p[i][y_i], 1e-12))}, NaN for a
 *     diverged model
 * @param ece expected calibration error, NaN for a diverged model
 * @param brier multi-class Brier score, NaN for a diverged model
 * @param report the full calibration report, or {@code null} for a diverged model
 */
public record Evaluation(
    double accuracy, double nll, double ece, double brier, Calibration.Report report) {

  /**
   * The metrics of {@code probabilities}; a diverged model (non-finite probabilities) gets NaN
   * metrics instead of an exception, so the run records what happened.
   *
   * @param probabilities {@code n} rows of class probabilities
   * @param labels {@code n} labels
   * @param bins the number of ECE / reliability bins
   * @return the metrics of {@link Calibration#evaluate(float[][], int[], int)}, or all-NaN metrics
   *     with a {@code null} report if any probability is not finite
   * @throws IllegalArgumentException for finite but invalid probabilities, labels or bins
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

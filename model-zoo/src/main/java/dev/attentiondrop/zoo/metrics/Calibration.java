package dev.attentiondrop.zoo.metrics;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.attentiondrop.ops.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * Classification and calibration metrics over predicted class probabilities (or logits) and integer
 * labels, in plain Java with float64 arithmetic.
 *
 * <p>Conventions, for {@code n} examples, {@code C} classes, probabilities {@code p[i][c]} and
 * labels {@code y[i]}:
 *
 * <ul>
 *   <li><b>prediction</b>: {@code argmax_c p[i][c]}, the lowest index on ties; <b>confidence</b>:
 *       {@code max_c p[i][c]}.
 *   <li><b>accuracy</b>: the fraction of examples whose prediction equals the label.
 *   <li><b>NLL</b>: {@code mean_i -log(max(p[i][y_i], NLL_FLOOR))} with {@link #NLL_FLOOR} {@code =
 *       1e-12}, so one example contributes at most {@code -log(1e-12) ~ 27.63}. From logits ({@link
 *       #nllFromLogits}) it is the exact {@code mean_i (logsumexp(z_i) - z_i[y_i])}, no floor.
 *   <li><b>ECE</b> with {@code B} equal-width bins (default {@link #DEFAULT_BINS} {@code = 15}):
 *       bin {@code b} holds the confidences in {@code (b/B, (b+1)/B]}, the first bin also holds 0
 *       (edges computed as the float64 quotient {@code (b+1)/B}); {@code ECE = sum_b (n_b / n)
 *       |acc_b - conf_b|} over non-empty bins, {@code acc_b} and {@code conf_b} the accuracy and
 *       mean confidence of bin {@code b}.
 *   <li><b>Brier score</b>: the original multi-class score (Brier 1950), {@code mean_i sum_c
 *       (p[i][c] - onehot(y_i)[c])^2}, in {@code [0, 2]}; it is neither divided by {@code C} nor
 *       restricted to the top label.
 *   <li><b>reliability diagram</b>: for every bin (empty ones included), its edges, count, mean
 *       confidence and accuracy (both {@code null} for an empty bin).
 * </ul>
 *
 * Probabilities must be finite, in {@code [0, 1]}, with rows summing to 1 within {@link
 * #SUM_TOLERANCE}; labels in {@code [0, C)}. Violations are {@link IllegalArgumentException}s
 * naming the offending row.
 */
public final class Calibration {
  /** Default number of ECE / reliability bins. */
  public static final int DEFAULT_BINS = 15;

  /** Probabilities below this are raised to it before the log in {@link #nll}. */
  public static final double NLL_FLOOR = 1e-12;

  /** How far a probability row's sum may be from 1 (float32 softmax rows are within ~1e-6). */
  public static final double SUM_TOLERANCE = 1e-3;

  private Calibration() {}

  /**
   * One reliability-diagram bin {@code (lower, upper]} (the first also holds 0).
   *
   * @param lower the lower edge {@code b / B}
   * @param upper the upper edge {@code (b + 1) / B}
   * @param count the number {@code n_b} of examples whose confidence falls in the bin
   * @param meanConfidence mean confidence of its examples, {@code null} when empty
   * @param accuracy accuracy of its examples, {@code null} when empty
   */
  @JsonPropertyOrder({"lower", "upper", "count", "mean_confidence", "accuracy"})
  public record Bin(
      double lower, double upper, int count, Double meanConfidence, Double accuracy) {}

  /**
   * All metrics of one evaluation. Serializes with {@code dev.attentiondrop.zoo.config.Json} to
   * snake_case keys ({@code examples, classes, bins, accuracy, nll, ece, brier, reliability}).
   *
   * @param examples the number {@code n} of examples
   * @param classes the number {@code C} of classes
   * @param bins the number {@code B} of ECE / reliability bins
   * @param accuracy fraction of examples whose prediction equals the label
   * @param nll mean negative log-likelihood of the labels (see the class comment)
   * @param ece expected calibration error with {@code B} bins
   * @param brier multi-class Brier score, in {@code [0, 2]}
   * @param reliability the {@code B} reliability-diagram bins, lowest first, empty ones included
   */
  @JsonPropertyOrder({
    "examples",
    "classes",
    "bins",
    "accuracy",
    "nll",
    "ece",
    "brier",
    "reliability"
  })
  public record Report(
      int examples,
      int classes,
      int bins,
      double accuracy,
      double nll,
      double ece,
      double brier,
      List<Bin> reliability) {
    /**
     * Copies the bins into an immutable list.
     *
     * @param examples the number {@code n} of examples
     * @param classes the number {@code C} of classes
     * @param bins the number {@code B} of ECE / reliability bins
     * @param accuracy fraction of examples whose prediction equals the label
     * @param nll mean negative log-likelihood of the labels
     * @param ece expected calibration error with {@code B} bins
     * @param brier multi-class Brier score
     * @param reliability the reliability-diagram bins, lowest first (copied)
     */
    public Report {
      reliability = List.copyOf(reliability);
    }
  }

  // ---------------------------------------------------------------- whole reports

  /**
   * Every metric from probabilities, with {@code bins} ECE bins: accuracy, floored NLL {@code
   * mean_i -log(max(p[i][y_i], NLL_FLOOR))}, ECE, Brier score and the reliability bins.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the report
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static Report evaluate(double[][] probabilities, int[] labels, int bins) {
    int classes = checkProbabilities(probabilities, labels);
    checkBins(bins);
    return new Report(
        labels.length,
        classes,
        bins,
        accuracy(probabilities, labels),
        nll(probabilities, labels),
        ece(probabilities, labels, bins),
        brier(probabilities, labels),
        reliability(probabilities, labels, bins));
  }

  /**
   * {@link #evaluate(double[][], int[], int)} with float32 probabilities, widened to float64.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the report
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static Report evaluate(float[][] probabilities, int[] labels, int bins) {
    return evaluate(widen(probabilities), labels, bins);
  }

  /**
   * {@link #evaluate(double[][], int[], int)} with float32 probabilities and {@link #DEFAULT_BINS}
   * bins.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the report
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static Report evaluate(float[][] probabilities, int[] labels) {
    return evaluate(probabilities, labels, DEFAULT_BINS);
  }

  /**
   * Every metric from logits: probabilities are their float64 softmax, the NLL is the exact {@link
   * #nllFromLogits} {@code mean_i (logsumexp(z_i) - z_i[y_i])} (no floor); accuracy, ECE, Brier
   * score and the bins are those of the probabilities.
   *
   * @param logits {@code n} rows of {@code C} finite logits
   * @param labels {@code n} labels in {@code [0, C)}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the report
   * @throws IllegalArgumentException for non-finite logits, ragged rows or invalid labels or bins
   */
  public static Report evaluateLogits(float[][] logits, int[] labels, int bins) {
    double[][] p = softmax(logits);
    Report r = evaluate(p, labels, bins);
    return new Report(
        r.examples(),
        r.classes(),
        r.bins(),
        r.accuracy(),
        nllFromLogits(logits, labels),
        r.ece(),
        r.brier(),
        r.reliability());
  }

  /**
   * {@link #evaluateLogits(float[][], int[], int)} with {@link #DEFAULT_BINS} bins.
   *
   * @param logits {@code n} rows of {@code C} finite logits
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the report
   * @throws IllegalArgumentException for non-finite logits, ragged rows or invalid labels or bins
   */
  public static Report evaluateLogits(float[][] logits, int[] labels) {
    return evaluateLogits(logits, labels, DEFAULT_BINS);
  }

  // ---------------------------------------------------------------- single metrics

  /**
   * Accuracy: the fraction of rows whose argmax (lowest index on ties) equals the label, {@code
   * (1/n) sum_i [argmax_c p[i][c] = y_i]}.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the accuracy, in {@code [0, 1]}
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static double accuracy(double[][] probabilities, int[] labels) {
    checkProbabilities(probabilities, labels);
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      if (argmax(probabilities[i]) == labels[i]) {
        correct++;
      }
    }
    return (double) correct / labels.length;
  }

  /**
   * Accuracy of logits: the accuracy of their float64 {@link #softmax} (the argmax of logits and of
   * their softmax agree, up to ties created by rounding).
   *
   * @param logits {@code n} rows of {@code C} finite logits
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the accuracy, in {@code [0, 1]}
   * @throws IllegalArgumentException for non-finite logits, ragged rows or invalid labels or bins
   */
  public static double accuracyFromLogits(float[][] logits, int[] labels) {
    return accuracy(softmax(logits), labels);
  }

  /**
   * Negative log-likelihood of the labels, {@code mean_i -log(max(p[i][y_i], NLL_FLOOR))}: each
   * example contributes at most {@code -log(NLL_FLOOR) ~ 27.63}.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the mean NLL in nats, in {@code [0, 27.63]}
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static double nll(double[][] probabilities, int[] labels) {
    checkProbabilities(probabilities, labels);
    double sum = 0;
    for (int i = 0; i < labels.length; i++) {
      sum += -Math.log(Math.max(probabilities[i][labels[i]], NLL_FLOOR));
    }
    return sum / labels.length;
  }

  /**
   * Negative log-likelihood from logits, {@code mean_i (logsumexp(z_i) - z_i[y_i])} with {@code
   * logsumexp(z) = max(z) + log sum_c exp(z_c - max(z))}, in float64: {@code -log
   * softmax(z_i)[y_i]} without a floor, exact for any finite logits.
   *
   * @param logits {@code n} rows of {@code C} finite logits
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the mean NLL in nats, {@code >= 0}
   * @throws IllegalArgumentException for non-finite logits, ragged rows or invalid labels or bins
   */
  public static double nllFromLogits(float[][] logits, int[] labels) {
    checkLogits(logits, labels);
    double sum = 0;
    for (int i = 0; i < labels.length; i++) {
      sum += logSumExp(logits[i]) - logits[i][labels[i]];
    }
    return sum / labels.length;
  }

  /**
   * Expected calibration error with {@code bins} equal-width confidence bins: {@code ECE = sum_b
   * (n_b / n) |acc_b - conf_b|} over the non-empty bins of {@link #reliability}, {@code acc_b} and
   * {@code conf_b} being the accuracy and mean confidence ({@code max_c p[i][c]}) of bin {@code b}.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the ECE, in {@code [0, 1]}
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static double ece(double[][] probabilities, int[] labels, int bins) {
    double ece = 0;
    int n = labels.length;
    for (Bin b : reliability(probabilities, labels, bins)) {
      if (b.count() > 0) {
        ece += Math.abs(b.accuracy() - b.meanConfidence()) * b.count() / n;
      }
    }
    return ece;
  }

  /**
   * Multi-class Brier score {@code mean_i sum_c (p[i][c] - onehot(y_i)[c])^2}, neither divided by
   * {@code C} nor restricted to the top label.
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @return the score, in {@code [0, 2]} (0 for confident correct predictions)
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static double brier(double[][] probabilities, int[] labels) {
    checkProbabilities(probabilities, labels);
    double sum = 0;
    for (int i = 0; i < labels.length; i++) {
      double[] p = probabilities[i];
      for (int c = 0; c < p.length; c++) {
        double d = p[c] - (c == labels[i] ? 1 : 0);
        sum += d * d;
      }
    }
    return sum / labels.length;
  }

  /**
   * The {@code bins} reliability-diagram bins, empty ones included, lowest first. Example {@code i}
   * falls in bin {@link #binOf binOf(max_c p[i][c], bins)}; bin {@code b} has edges {@code b / B}
   * and {@code (b + 1) / B}, its count {@code n_b}, mean confidence {@code conf_b = (1/n_b) sum_{i
   * in b} max_c p[i][c]} and accuracy {@code acc_b = (1/n_b) sum_{i in b} [argmax_c p[i][c] = y_i]}
   * (both null when {@code n_b = 0}).
   *
   * @param probabilities {@code n} rows of {@code C} probabilities, each row summing to 1 within
   *     {@link #SUM_TOLERANCE}
   * @param labels {@code n} labels in {@code [0, C)}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the {@code B} bins
   * @throws IllegalArgumentException for invalid probabilities, labels or bins (see the class
   *     comment)
   */
  public static List<Bin> reliability(double[][] probabilities, int[] labels, int bins) {
    checkProbabilities(probabilities, labels);
    checkBins(bins);
    int[] count = new int[bins];
    double[] confidence = new double[bins];
    int[] correct = new int[bins];
    for (int i = 0; i < labels.length; i++) {
      int pred = argmax(probabilities[i]);
      double conf = probabilities[i][pred];
      int b = binOf(conf, bins);
      count[b]++;
      confidence[b] += conf;
      if (pred == labels[i]) {
        correct[b]++;
      }
    }
    List<Bin> out = new ArrayList<>(bins);
    for (int b = 0; b < bins; b++) {
      double lower = (double) b / bins;
      double upper = (double) (b + 1) / bins;
      out.add(
          count[b] == 0
              ? new Bin(lower, upper, 0, null, null)
              : new Bin(
                  lower,
                  upper,
                  count[b],
                  confidence[b] / count[b],
                  (double) correct[b] / count[b]));
    }
    return out;
  }

  /**
   * The bin of a confidence in {@code [0, 1]}: the lowest {@code b} with {@code c <= (b+1)/B}
   * (float64 quotient), so 0 falls in bin 0 and an edge value in the bin it closes.
   *
   * @param confidence a confidence {@code c} in {@code [0, 1]}
   * @param bins the number {@code B} of equal-width confidence bins, in {@code [1, 1000000]}
   * @return the bin index, in {@code [0, B)}
   * @throws IllegalArgumentException if {@code confidence} is outside {@code [0, 1]} or {@code
   *     bins} outside its range
   */
  public static int binOf(double confidence, int bins) {
    Checks.inClosed("confidence", confidence, 0, 1);
    checkBins(bins);
    int b = (int) Math.ceil(confidence * bins) - 1;
    b = Math.max(0, Math.min(bins - 1, b));
    // confidence * bins may round across an edge; settle against the exact edges.
    while (b > 0 && confidence <= (double) b / bins) {
      b--;
    }
    while (b < bins - 1 && confidence > (double) (b + 1) / bins) {
      b++;
    }
    return b;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Row-wise softmax of float32 logits, computed in float64 with the max subtracted: {@code p[i][c]
   * = exp(z[i][c] - logsumexp(z_i))}.
   *
   * @param logits at least one row of {@code C >= 1} finite logits, every row of the same length
   * @return the probabilities, one row per logit row
   * @throws IllegalArgumentException for no rows, ragged or empty rows, or non-finite logits
   */
  public static double[][] softmax(float[][] logits) {
    checkLogits(logits, null);
    double[][] out = new double[logits.length][];
    for (int i = 0; i < logits.length; i++) {
      double lse = logSumExp(logits[i]);
      out[i] = new double[logits[i].length];
      for (int c = 0; c < logits[i].length; c++) {
        out[i][c] = Math.exp(logits[i][c] - lse);
      }
    }
    return out;
  }

  /**
   * The index of the largest value, the lowest one on ties.
   *
   * @param row a non-empty row of values
   * @return {@code argmax_c row[c]}, the lowest such index on ties
   */
  public static int argmax(double[] row) {
    int best = 0;
    for (int c = 1; c < row.length; c++) {
      if (row[c] > row[best]) {
        best = c;
      }
    }
    return best;
  }

  private static double logSumExp(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (float v : z) {
      s += Math.exp(v - max);
    }
    return max + Math.log(s);
  }

  static double[][] widen(float[][] x) {
    Checks.notNull("probabilities", x);
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      Checks.notNull("row " + i, x[i]);
      out[i] = new double[x[i].length];
      for (int c = 0; c < x[i].length; c++) {
        out[i][c] = x[i][c];
      }
    }
    return out;
  }

  private static void checkBins(int bins) {
    Checks.inRange("bins", bins, 1, 1_000_000);
  }

  /** Validates shapes, values and labels; returns the number of classes. */
  private static int checkProbabilities(double[][] p, int[] labels) {
    Checks.notNull("probabilities", p);
    int classes = checkRows(p.length, p.length == 0 ? 0 : lengthOf(p[0]), labels);
    for (int i = 0; i < p.length; i++) {
      if (lengthOf(p[i]) != classes) {
        throw new IllegalArgumentException(
            "probability row " + i + " has " + lengthOf(p[i]) + " classes, row 0 has " + classes);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        double v = p[i][c];
        if (!(v >= 0 && v <= 1)) {
          throw new IllegalArgumentException(
              "probability [" + i + "][" + c + "] must be in [0, 1], got " + v);
        }
        sum += v;
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) {
        throw new IllegalArgumentException(
            "probability row " + i + " must sum to 1 (within " + SUM_TOLERANCE + "), got " + sum);
      }
    }
    return classes;
  }

  private static void checkLogits(float[][] z, int[] labels) {
    Checks.notNull("logits", z);
    int classes = z.length == 0 ? 0 : lengthOf(z[0]);
    if (labels != null) {
      checkRows(z.length, classes, labels);
    } else if (z.length == 0) {
      throw new IllegalArgumentException("logits must have at least one row, got 0");
    }
    for (int i = 0; i < z.length; i++) {
      if (lengthOf(z[i]) != classes || classes == 0) {
        throw new IllegalArgumentException(
            "logit row "
                + i
                + " has "
                + lengthOf(z[i])
                + " classes, row 0 has "
                + classes
                + " (need >= 1)");
      }
      for (int c = 0; c < classes; c++) {
        if (!Float.isFinite(z[i][c])) {
          throw new IllegalArgumentException(
              "logit [" + i + "][" + c + "] must be finite, got " + z[i][c]);
        }
      }
    }
  }

  private static int checkRows(int rows, int classes, int[] labels) {
    Checks.notNull("labels", labels);
    if (rows == 0) {
      throw new IllegalArgumentException("need at least one example, got 0");
    }
    if (labels.length != rows) {
      throw new IllegalArgumentException(
          "labels has " + labels.length + " entries but there are " + rows + " rows");
    }
    if (classes < 1) {
      throw new IllegalArgumentException("rows must have at least one class, got " + classes);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + i + " must be an integer in [0, " + (classes - 1) + "], got " + labels[i]);
      }
    }
    return classes;
  }

  private static int lengthOf(double[] row) {
    return row == null ? -1 : row.length;
  }

  private static int lengthOf(float[] row) {
    return row == null ? -1 : row.length;
  }
}

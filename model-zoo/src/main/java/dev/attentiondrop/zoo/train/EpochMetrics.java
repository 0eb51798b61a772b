package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one epoch measured: training loss and accuracy (under training noise, averaged over the
 * epoch's updates), and clean test accuracy, NLL, ECE and Brier score, with wall-clock time.
 *
 * @param epoch the epoch, counted from 1
 * @param step the number of updates applied so far, this epoch's included
 * @param learningRate the learning rate of the epoch's last update
 * @param trainLoss the mean training loss over the epoch's examples, {@code sum_b loss_b * size_b /
 *     n} over its batches {@code b}, each under its own training noise
 * @param trainAccuracy the fraction of the epoch's training examples predicted correctly, under
 *     training noise
 * @param testAccuracy clean test accuracy (see {@link dev.attentiondrop.zoo.metrics.Calibration})
 * @param testNll clean test negative log-likelihood, in nats
 * @param testEce clean test expected calibration error
 * @param testBrier clean test multi-class Brier score
 * @param epochSeconds wall-clock seconds of the epoch's updates (the evaluation excluded)
 * @param examplesPerSecond training throughput, {@code n / epochSeconds}
 * @param validationAccuracy clean accuracy on the selection hold-out ({@link
 *     TrainConfig#selection}), or null without one
 * @param validationNll its negative log-likelihood, or null
 * @param validationEce its expected calibration error, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(
    int epoch,
    long step,
    double learningRate,
    double trainLoss,
    double trainAccuracy,
    double testAccuracy,
    double testNll,
    double testEce,
    double testBrier,
    double epochSeconds,
    double examplesPerSecond,
    Double validationAccuracy,
    Double validationNll,
    Double validationEce) {

  /**
   * An epoch without a validation hold-out.
   *
   * @param epoch the epoch
   * @param step updates so far
   * @param learningRate the last update's learning rate
   * @param trainLoss mean training loss
   * @param trainAccuracy training accuracy under noise
   * @param testAccuracy clean test accuracy
   * @param testNll clean test NLL
   * @param testEce clean test ECE
   * @param testBrier clean test Brier score
   * @param epochSeconds seconds of the updates
   * @param examplesPerSecond throughput
   */
  public EpochMetrics(
      int epoch,
      long step,
      double learningRate,
      double trainLoss,
      double trainAccuracy,
      double testAccuracy,
      double testNll,
      double testEce,
      double testBrier,
      double epochSeconds,
      double examplesPerSecond) {
    this(
        epoch,
        step,
        learningRate,
        trainLoss,
        trainAccuracy,
        testAccuracy,
        testNll,
        testEce,
        testBrier,
        epochSeconds,
        examplesPerSecond,
        null,
        null,
        null);
  }

  /**
   * These metrics read as the validation hold-out's: an epoch evaluated on the hold-out (best-epoch
   * selection evaluates only it during training) has its evaluation in {@code validation*} and NaN
   * test metrics.
   *
   * @return a copy with {@code validation*} from {@code test*}, and NaN test metrics
   */
  public EpochMetrics asValidation() {
    return new EpochMetrics(
        epoch,
        step,
        learningRate,
        trainLoss,
        trainAccuracy,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        epochSeconds,
        examplesPerSecond,
        testAccuracy,
        testNll,
        testEce);
  }

  /** CSV header matching {@link #csvRow}. */
  public static final String CSV_HEADER =
      "epoch,step,learning_rate,train_loss,train_accuracy,test_accuracy,test_nll,test_ece,test_brier,epoch_seconds,examples_per_second,validation_accuracy,validation_nll,validation_ece";

  /**
   * The metrics as one CSV line, in the order of {@link #CSV_HEADER}.
   *
   * @return the comma-separated values, without a line break ({@link Double#toString} for
   *     floating-point values)
   */
  public String csvRow() {
    return String.join(
        ",",
        Integer.toString(epoch),
        Long.toString(step),
        Double.toString(learningRate),
        Double.toString(trainLoss),
        Double.toString(trainAccuracy),
        Double.toString(testAccuracy),
        Double.toString(testNll),
        Double.toString(testEce),
        Double.toString(testBrier),
        Double.toString(epochSeconds),
        Double.toString(examplesPerSecond),
        validationAccuracy == null ? "" : Double.toString(validationAccuracy),
        validationNll == null ? "" : Double.toString(validationNll),
        validationEce == null ? "" : Double.toString(validationEce));
  }
}

package dev.attentiondrop.zoo.train;

/**
 * What one epoch measured: training loss and accuracy (under training noise, averaged over the
 * epoch's updates), and clean test accuracy, NLL, ECE and Brier score, with wall-clock time.
 */
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
    double examplesPerSecond) {

  /** CSV header matching {@link #csvRow}. */
  public static final String CSV_HEADER =
      "epoch,step,learning_rate,train_loss,train_accuracy,test_accuracy,test_nll,test_ece,test_brier,epoch_seconds,examples_per_second";

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
        Double.toString(examplesPerSecond));
  }
}

package dev.attentiondrop.zoo.train;

/**
 * Callbacks of {@link Trainer#fit}, as Keras' {@code Callback}: every method has an empty default,
 * so a listener overrides only what it needs. A listener may call {@link Trainer#stopTraining()} to
 * end the fit after the current epoch (early stopping, an interruption to resume later).
 *
 * <pre>{@code
 * trainer.fit(train, test, new TrainingListener() {
 *   public void onEpochEnd(EpochMetrics m, Evaluation e) {
 *     System.out.printf("epoch %d: test accuracy %.3f%n", m.epoch(), m.testAccuracy());
 *   }
 * });
 * }</pre>
 */
public interface TrainingListener {

  /**
   * Called before the first update of an epoch.
   *
   * @param epoch the epoch about to run, 1-based
   * @param epochs the last epoch of the fit
   * @param steps the number of updates the epoch will make
   */
  default void onEpochBegin(int epoch, int epochs, int steps) {}

  /**
   * Called after every update.
   *
   * @param batch what the update did, with the epoch's running means so far
   */
  default void onBatchEnd(BatchEnd batch) {}

  /**
   * Called after each epoch's evaluation.
   *
   * @param metrics the epoch's training and evaluation metrics
   * @param evaluation the full evaluation, with its calibration report (null for a diverged model)
   */
  default void onEpochEnd(EpochMetrics metrics, Evaluation evaluation) {}

  /**
   * One update, as {@link #onBatchEnd} sees it.
   *
   * @param epoch the epoch, 1-based
   * @param batch the update's index within the epoch, 0-based
   * @param batches updates in the epoch
   * @param step the global step of this update (0-based; the training noise seed is {@code [seed,
   *     step]})
   * @param loss this update's loss
   * @param seen training examples seen so far in the epoch
   * @param meanLoss mean loss over the epoch's examples so far
   * @param accuracy training accuracy over the epoch's examples so far (under training noise)
   * @param examplesPerSecond the epoch's throughput so far
   */
  record BatchEnd(
      int epoch,
      int batch,
      int batches,
      long step,
      double loss,
      int seen,
      double meanLoss,
      double accuracy,
      double examplesPerSecond) {}
}

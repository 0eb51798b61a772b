package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.attentiondrop.ops.Checks;

/**
 * How a model is trained.
 *
 * @param dataset dataset name (see {@code Datasets}) that {@link TrainingRun} loads; null for data
 *     given in memory to {@link Trainer#fit}
 * @param epochs passes over the training split, {@code >= 1}
 * @param batchSize examples per update, {@code >= 1}
 * @param seed seed of shuffling and of all training noise (step {@code s} uses {@code [seed, s]})
 * @param optimizer Adam or AdamW settings
 * @param warmupFraction fraction of all steps spent in linear warmup, in {@code [0, 1]}
 * @param minLrRatio final learning rate as a fraction of the peak, in {@code [0, 1]}
 * @param clipNorm global gradient-norm clip, {@code 0} = off
 * @param consistency consistency objective, or null
 * @param eceBins bins of the expected calibration error, {@code >= 1}
 * @param trainLimit use at most this many training examples (0 = all)
 * @param robustness adversarial evaluation after training, or null
 * @param evaluation {@code test} (default) or {@code validation}: evaluate on a held-out {@value
 *     #VALIDATION_FRACTION} of the training split instead of the test split (for tuning)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainConfig(
    String dataset,
    int epochs,
    int batchSize,
    long seed,
    OptimizerConfig optimizer,
    double warmupFraction,
    double minLrRatio,
    double clipNorm,
    ConsistencyConfig consistency,
    int eceBins,
    int trainLimit,
    RobustnessConfig robustness,
    String evaluation) {

  /** Fraction of the training split held out when {@code evaluation = validation}. */
  public static final double VALIDATION_FRACTION = 0.2;

  public TrainConfig {
    Checks.inRange("epochs", epochs, 1, 100_000);
    Checks.inRange("batch_size", batchSize, 1, 1 << 20);
    Checks.notNull("optimizer", optimizer);
    Checks.inClosed("warmup_fraction", warmupFraction, 0, 1);
    Checks.inClosed("min_lr_ratio", minLrRatio, 0, 1);
    Checks.nonNegativeFinite("clip_norm", clipNorm);
    Checks.inRange("ece_bins", eceBins, 1, 10_000);
    Checks.inRange("train_limit", trainLimit, 0, Integer.MAX_VALUE);
    evaluation = evaluation == null ? "test" : evaluation;
    if (!evaluation.equals("test") && !evaluation.equals("validation")) {
      throw new IllegalArgumentException(
          "evaluation must be one of [test, validation], got '" + evaluation + "'");
    }
  }

  /** Defaults: 3 epochs, batch 64, AdamW 1e-3 / 0.01, 10% warmup, clip 1.0, ECE 15 bins. */
  public static TrainConfig defaults(String dataset) {
    return new TrainConfig(
        dataset,
        3,
        64,
        0,
        OptimizerConfig.adamw(1e-3, 0.01),
        0.1,
        0.0,
        1.0,
        null,
        15,
        0,
        null,
        "test");
  }

  public TrainConfig withEpochs(int e) {
    return new TrainConfig(
        dataset,
        e,
        batchSize,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }

  public TrainConfig withBatchSize(int b) {
    return new TrainConfig(
        dataset,
        epochs,
        b,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }

  public TrainConfig withSeed(long s) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        s,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }

  public TrainConfig withOptimizer(OptimizerConfig o) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        o,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }

  public TrainConfig withConsistency(ConsistencyConfig c) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        c,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }

  public TrainConfig withTrainLimit(int n) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        n,
        robustness,
        evaluation);
  }

  public TrainConfig withRobustness(RobustnessConfig r) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        r,
        evaluation);
  }

  public TrainConfig withEvaluation(String e) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        optimizer,
        warmupFraction,
        minLrRatio,
        clipNorm,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        e);
  }

  /** Whether the run is evaluated on the held-out validation part of the training split. */
  public boolean onValidation() {
    return evaluation.equals("validation");
  }

  public TrainConfig withSchedule(double warmup, double minRatio, double clip) {
    return new TrainConfig(
        dataset,
        epochs,
        batchSize,
        seed,
        optimizer,
        warmup,
        minRatio,
        clip,
        consistency,
        eceBins,
        trainLimit,
        robustness,
        evaluation);
  }
}

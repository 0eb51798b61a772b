package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;

/**
 * How a model is trained. Built with {@link #builder}; JSON is read through the builder, so a key
 * left out takes its default ({@code {}} is the default config, for in-memory data).
 *
 * <p>Learning rate at update {@code s = 0 .. N - 1} of {@code N = epochs * ceil(n / batch_size)}
 * ({@link LearningRateSchedule}), with {@code W = round(warmup_fraction N)} and {@code r =
 * min_lr_ratio}:
 *
 * <pre>
 *   lr_s = lr (s + 1) / W                                          s &lt; W
 *   lr_s = lr (r + (1 - r) (1 + cos(pi (s - W) / (N - W))) / 2)    otherwise
 * </pre>
 *
 * @param dataset dataset name (see {@code Datasets}) that {@link TrainingRun} loads; null (the
 *     default) for data given in memory to {@link Trainer#fit}
 * @param epochs passes over the training split, in {@code [1, 100000]} (default 3)
 * @param batchSize examples per update, {@code >= 1} (default 64)
 * @param seed seed of shuffling and of all training noise (step {@code s} uses {@code [seed, s]};
 *     default 0)
 * @param optimizer Adam or AdamW settings (default {@link OptimizerConfig#builder}'s: AdamW {@code
 *     1e-3}, decay 0.01)
 * @param warmupFraction fraction of all steps spent in linear warmup, in {@code [0, 1]} (default
 *     0.1)
 * @param minLrRatio final learning rate as a fraction of the peak, in {@code [0, 1]} (default 0)
 * @param clipNorm global gradient-norm clip, {@code 0} = off (default 1.0)
 * @param consistency consistency objective, or null (the default)
 * @param eceBins bins of the expected calibration error, in {@code [1, 10000]} (default 15)
 * @param trainLimit use at most this many training examples (0 = all, the default)
 * @param robustness adversarial evaluation after training, or null (the default)
 * @param evaluation {@link Evaluation#TEST} (default) or {@link Evaluation#VALIDATION}: evaluate on
 *     a held-out {@value #VALIDATION_FRACTION} of the training split instead of the test split (for
 *     tuning); JSON {@code "test"} or {@code "validation"}
 * @param labelNoise label noise on the training split, or null (the default: clean labels)
 * @param selection best-epoch selection on a validation hold-out with optional early stopping, or
 *     null (the default: the last epoch's weights)
 * @param testLimit evaluate on at most this many test examples, a class-stratified subset fixed for
 *     every seed and method ({@link Examples#LIMIT_SEED}); null or 0 (the default): all
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonDeserialize(builder = TrainConfig.Builder.class)
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
    Evaluation evaluation,
    LabelNoiseConfig labelNoise,
    SelectionConfig selection,
    Integer testLimit) {

  /** Fraction of the training split held out when {@code evaluation = validation}. */
  public static final double VALIDATION_FRACTION = 0.2;

  /** Which split a run is evaluated on; JSON names are the lowercase constant names. */
  public enum Evaluation {
    /** The test split. */
    TEST,
    /** The last {@value #VALIDATION_FRACTION} of the training split, held out from training. */
    VALIDATION;

    /**
     * The JSON name.
     *
     * @return {@code "test"} or {@code "validation"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The evaluation named {@code name}.
     *
     * @param name {@code "test"} or {@code "validation"}
     * @return the evaluation
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Evaluation of(String name) {
      return Json.enumValue("evaluation", Evaluation.class, name);
    }
  }

  /**
   * Validates every field.
   *
   * @param dataset dataset name (see {@code Datasets}) that {@link TrainingRun} loads; null (the
   *     default) for data given in memory to {@link Trainer#fit}
   * @param epochs passes over the training split, in {@code [1, 100000]} (default 3)
   * @param batchSize examples per update, {@code >= 1} (default 64)
   * @param seed seed of shuffling and of all training noise (step {@code s} uses {@code [seed, s]};
   *     default 0)
   * @param optimizer Adam or AdamW settings (default {@link OptimizerConfig#builder}'s: AdamW
   *     {@code 1e-3}, decay 0.01)
   * @param warmupFraction fraction of all steps spent in linear warmup, in {@code [0, 1]} (default
   *     0.1)
   * @param minLrRatio final learning rate as a fraction of the peak, in {@code [0, 1]} (default 0)
   * @param clipNorm global gradient-norm clip, {@code 0} = off (default 1.0)
   * @param consistency consistency objective, or null (the default)
   * @param eceBins bins of the expected calibration error, in {@code [1, 10000]} (default 15)
   * @param trainLimit use at most this many training examples (0 = all, the default)
   * @param robustness adversarial evaluation after training, or null (the default)
   * @param evaluation {@link Evaluation#TEST} (default) or {@link Evaluation#VALIDATION}: evaluate
   *     on a held-out {@value #VALIDATION_FRACTION} of the training split instead of the test split
   *     (for tuning); JSON {@code "test"} or {@code "validation"}
   * @param labelNoise label noise on the training split, or null
   * @param selection best-epoch selection, or null
   * @param testLimit at most this many test examples, null or 0 for all
   * @throws IllegalArgumentException naming the invalid field, its range and the value given
   */
  public TrainConfig {
    Checks.inRange("epochs", epochs, 1, 100_000);
    Checks.inRange("batch_size", batchSize, 1, 1 << 20);
    Checks.notNull("optimizer", optimizer);
    Checks.inClosed("warmup_fraction", warmupFraction, 0, 1);
    Checks.inClosed("min_lr_ratio", minLrRatio, 0, 1);
    Checks.nonNegativeFinite("clip_norm", clipNorm);
    Checks.inRange("ece_bins", eceBins, 1, 10_000);
    Checks.inRange("train_limit", trainLimit, 0, Integer.MAX_VALUE);
    Checks.notNull("evaluation", evaluation);
    if (testLimit != null) {
      Checks.inRange("test_limit", testLimit, 0, Integer.MAX_VALUE);
    }
    if (selection != null && evaluation == Evaluation.VALIDATION) {
      throw new IllegalArgumentException(
          "selection holds out its own validation split; it cannot be combined with evaluation ="
              + " validation");
    }
  }

  /**
   * A builder with the defaults: no dataset (in-memory data), 3 epochs, batch 64, seed 0, AdamW
   * {@code 1e-3} / 0.01, 10% warmup, min ratio 0, clip 1.0, no consistency, 15 ECE bins, all
   * training examples, no robustness, evaluation on the test split.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this config's values, to derive a changed copy.
   *
   * @return a new builder; {@code toBuilder().build()} equals this config
   */
  public Builder toBuilder() {
    return builder()
        .dataset(dataset)
        .epochs(epochs)
        .batchSize(batchSize)
        .seed(seed)
        .optimizer(optimizer)
        .warmupFraction(warmupFraction)
        .minLrRatio(minLrRatio)
        .clipNorm(clipNorm)
        .consistency(consistency)
        .eceBins(eceBins)
        .trainLimit(trainLimit)
        .robustness(robustness)
        .evaluation(evaluation)
        .labelNoise(labelNoise)
        .selection(selection)
        .testLimit(testLimit);
  }

  /**
   * Whether the run is evaluated on the held-out validation part of the training split.
   *
   * @return {@code evaluation == VALIDATION}
   */
  public boolean onValidation() {
    return evaluation == Evaluation.VALIDATION;
  }

  /** The one place the defaults are written; {@link #build} validates. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private String dataset;
    private int epochs = 3;
    private int batchSize = 64;
    private long seed = 0;
    private OptimizerConfig optimizer = OptimizerConfig.builder().build();
    private double warmupFraction = 0.1;
    private double minLrRatio = 0.0;
    private double clipNorm = 1.0;
    private ConsistencyConfig consistency;
    private int eceBins = 15;
    private int trainLimit = 0;
    private RobustnessConfig robustness;
    private Evaluation evaluation = Evaluation.TEST;
    private LabelNoiseConfig labelNoise;
    private SelectionConfig selection;
    private Integer testLimit;

    private Builder() {}

    /**
     * Sets the dataset {@link TrainingRun} loads.
     *
     * @param v a dataset name, or null for in-memory data
     * @return this builder
     */
    public Builder dataset(String v) {
      this.dataset = v;
      return this;
    }

    /**
     * Sets the number of epochs.
     *
     * @param v passes over the training split
     * @return this builder
     */
    public Builder epochs(int v) {
      this.epochs = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v examples per update
     * @return this builder
     */
    public Builder batchSize(int v) {
      this.batchSize = v;
      return this;
    }

    /**
     * Sets the seed of shuffling and training noise.
     *
     * @param v seed
     * @return this builder
     */
    public Builder seed(long v) {
      this.seed = v;
      return this;
    }

    /**
     * Sets the optimizer.
     *
     * @param v Adam or AdamW settings
     * @return this builder
     */
    public Builder optimizer(OptimizerConfig v) {
      this.optimizer = v;
      return this;
    }

    /**
     * Sets the warmup fraction.
     *
     * @param v fraction of all steps in {@code [0, 1]}
     * @return this builder
     */
    public Builder warmupFraction(double v) {
      this.warmupFraction = v;
      return this;
    }

    /**
     * Sets the final learning rate as a fraction of the peak.
     *
     * @param v ratio in {@code [0, 1]}
     * @return this builder
     */
    public Builder minLrRatio(double v) {
      this.minLrRatio = v;
      return this;
    }

    /**
     * Sets the global gradient-norm clip.
     *
     * @param v clip norm, 0 = off
     * @return this builder
     */
    public Builder clipNorm(double v) {
      this.clipNorm = v;
      return this;
    }

    /**
     * Sets the consistency objective.
     *
     * @param v the objective, or null for none
     * @return this builder
     */
    public Builder consistency(ConsistencyConfig v) {
      this.consistency = v;
      return this;
    }

    /**
     * Sets the number of ECE bins.
     *
     * @param v bins
     * @return this builder
     */
    public Builder eceBins(int v) {
      this.eceBins = v;
      return this;
    }

    /**
     * Limits the training examples.
     *
     * @param v at most this many, 0 = all
     * @return this builder
     */
    public Builder trainLimit(int v) {
      this.trainLimit = v;
      return this;
    }

    /**
     * Sets the label noise on the training split.
     *
     * @param v the noise, or null for clean labels
     * @return this builder
     */
    public Builder labelNoise(LabelNoiseConfig v) {
      this.labelNoise = v;
      return this;
    }

    /**
     * Sets best-epoch selection on a validation hold-out.
     *
     * @param v the selection, or null for the last epoch's weights
     * @return this builder
     */
    public Builder selection(SelectionConfig v) {
      this.selection = v;
      return this;
    }

    /**
     * Sets the number of test examples evaluated.
     *
     * @param v at most this many (a stratified, fixed subset), null or 0 for all
     * @return this builder
     */
    public Builder testLimit(Integer v) {
      this.testLimit = v;
      return this;
    }

    /**
     * Sets the adversarial evaluation.
     *
     * @param v the attacks, or null for none
     * @return this builder
     */
    public Builder robustness(RobustnessConfig v) {
      this.robustness = v;
      return this;
    }

    /**
     * Sets the split evaluated on.
     *
     * @param v test or validation
     * @return this builder
     */
    public Builder evaluation(Evaluation v) {
      this.evaluation = v;
      return this;
    }

    /**
     * Validates and builds the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first invalid field
     */
    public TrainConfig build() {
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
          evaluation,
          labelNoise,
          selection,
          testLimit);
    }
  }
}

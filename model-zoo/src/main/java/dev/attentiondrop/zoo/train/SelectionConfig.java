package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;

/**
 * Model selection without the test set: a seeded, class-stratified {@code validation_fraction} of
 * the training split is held out (never trained on, its labels kept clean), evaluated after every
 * epoch, and the epoch with the lowest validation negative log-likelihood is kept (its weights are
 * what {@link TrainingRun} saves in {@code model/} and exports); with {@code patience > 0},
 * training stops once that many epochs pass without a new best. Built with {@link #builder}.
 *
 * @param validationFraction the held-out fraction of the training split, in {@code (0, 0.5]}
 *     (default 0.1)
 * @param patience epochs without a better validation NLL before stopping, 0 = never stop early
 *     (default 0)
 */
@JsonDeserialize(builder = SelectionConfig.Builder.class)
public record SelectionConfig(double validationFraction, int patience) {

  /**
   * Validates every field.
   *
   * @param validationFraction the held-out fraction, in {@code (0, 0.5]}
   * @param patience epochs without improvement before stopping, {@code >= 0}
   * @throws IllegalArgumentException naming the invalid field, its range and the value given
   */
  public SelectionConfig {
    if (!(validationFraction > 0 && validationFraction <= 0.5)) {
      throw new IllegalArgumentException(
          "validation_fraction must be in (0, 0.5], got " + validationFraction);
    }
    Checks.inRange("patience", patience, 0, 100_000);
  }

  /**
   * A builder with the defaults: 10 % held out, no early stopping.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The one place the defaults are written; {@link #build} validates. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private double validationFraction = 0.1;
    private int patience = 0;

    private Builder() {}

    /**
     * Sets the held-out fraction.
     *
     * @param v in {@code (0, 0.5]}
     * @return this builder
     */
    public Builder validationFraction(double v) {
      validationFraction = v;
      return this;
    }

    /**
     * Sets the early-stopping patience.
     *
     * @param v epochs, 0 = never stop early
     * @return this builder
     */
    public Builder patience(int v) {
      patience = v;
      return this;
    }

    /**
     * Builds and validates.
     *
     * @return the config
     */
    public SelectionConfig build() {
      return new SelectionConfig(validationFraction, patience);
    }
  }
}

package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import java.util.Arrays;
import java.util.List;

/**
 * Adversarial evaluation after training: FGSM ({@code x' = x + eps sign(grad_x L)}) and PGD
 * (L-infinity, random start in the {@code eps}-ball, {@code pgd_steps} steps of size {@code 2.5 eps
 * / pgd_steps}, each projected back onto the ball) at each radius, on pixels in [0, 1] for images
 * and on input embeddings for text. Built with {@link #builder}; JSON is read through the builder,
 * so a key left out takes its default.
 *
 * @param eps radii, at least one, each {@code >= 0} (default {@code [0.01, 0.03]})
 * @param pgdSteps PGD iterations, in {@code [1, 10000]} (default 10)
 * @param examples attack the first this many test examples, {@code >= 1} (default 250)
 */
@JsonDeserialize(builder = RobustnessConfig.Builder.class)
public record RobustnessConfig(List<Double> eps, int pgdSteps, int examples) {

  /**
   * Validates every field.
   *
   * @param eps radii, at least one, each {@code >= 0} (default {@code [0.01, 0.03]})
   * @param pgdSteps PGD iterations, in {@code [1, 10000]} (default 10)
   * @param examples attack the first this many test examples, {@code >= 1} (default 250)
   * @throws IllegalArgumentException naming the invalid field, its range and the value given
   */
  public RobustnessConfig {
    eps = List.copyOf(Checks.notNull("eps", eps));
    if (eps.isEmpty()) {
      throw new IllegalArgumentException("eps must list at least one radius, got none");
    }
    for (double e : eps) {
      Checks.nonNegativeFinite("eps", e);
    }
    Checks.inRange("pgd_steps", pgdSteps, 1, 10_000);
    Checks.inRange("attack examples", examples, 1, Integer.MAX_VALUE);
  }

  /**
   * A builder with the defaults: radii 0.01 and 0.03, 10 PGD steps, 250 examples.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this config's values.
   *
   * @return a new builder; {@code toBuilder().build()} equals this config
   */
  public Builder toBuilder() {
    return builder().eps(eps).pgdSteps(pgdSteps).examples(examples);
  }

  /**
   * Parses the radii {@code 0.01,0.03}.
   *
   * @param text comma-separated radii
   * @param pgdSteps PGD iterations
   * @param examples attacked examples
   * @return the config
   * @throws NumberFormatException for a radius that is not a number
   * @throws IllegalArgumentException for an invalid value
   */
  public static RobustnessConfig parseEps(String text, int pgdSteps, int examples) {
    return builder()
        .eps(Arrays.stream(text.split(",")).map(String::trim).map(Double::valueOf).toList())
        .pgdSteps(pgdSteps)
        .examples(examples)
        .build();
  }

  /** The one place the defaults are written; {@link #build} validates. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private List<Double> eps = List.of(0.01, 0.03);
    private int pgdSteps = 10;
    private int examples = 250;

    private Builder() {}

    /**
     * Sets the radii.
     *
     * @param v radii, each {@code >= 0}
     * @return this builder
     */
    public Builder eps(List<Double> v) {
      this.eps = v;
      return this;
    }

    /**
     * Sets the PGD iterations.
     *
     * @param v steps, {@code >= 1}
     * @return this builder
     */
    public Builder pgdSteps(int v) {
      this.pgdSteps = v;
      return this;
    }

    /**
     * Sets how many test examples are attacked.
     *
     * @param v examples, {@code >= 1}
     * @return this builder
     */
    public Builder examples(int v) {
      this.examples = v;
      return this;
    }

    /**
     * Validates and builds the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first invalid field
     */
    public RobustnessConfig build() {
      return new RobustnessConfig(eps, pgdSteps, examples);
    }
  }
}

package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;
import java.util.Locale;

/**
 * Label noise on the training split only (validation and test labels stay clean): each training
 * label is replaced, independently with probability {@code rate}, by a wrong class. {@link
 * Kind#SYMMETRIC} draws it uniformly among the {@code C - 1} other classes; {@link Kind#PAIR} moves
 * class {@code c} to {@code (c + 1) mod C} (the "pair-flip" noise of Han et al., 2018). The draws
 * are seeded by the run's seed ({@link Examples#withLabelNoise}), so every method trained with a
 * seed sees the same noisy labels. Built with {@link #builder}; JSON through the builder.
 *
 * @param rate the probability that a label is replaced, in {@code [0, 1)} (default 0.2)
 * @param kind symmetric (default) or pair-flip; JSON {@code "symmetric"} or {@code "pair"}
 */
@JsonDeserialize(builder = LabelNoiseConfig.Builder.class)
public record LabelNoiseConfig(double rate, Kind kind) {

  /** How a replaced label is chosen; JSON names are the lowercase constant names. */
  public enum Kind {
    /** Uniformly among the other classes. */
    SYMMETRIC,
    /** Class {@code c} becomes {@code (c + 1) mod C}. */
    PAIR;

    /**
     * The JSON name.
     *
     * @return {@code "symmetric"} or {@code "pair"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The kind named {@code name}.
     *
     * @param name {@code "symmetric"} or {@code "pair"}
     * @return the kind
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Kind of(String name) {
      return Json.enumValue("label noise kind", Kind.class, name);
    }
  }

  /**
   * Validates every field.
   *
   * @param rate the probability that a label is replaced, in {@code [0, 1)}
   * @param kind symmetric or pair-flip
   * @throws IllegalArgumentException naming the invalid field, its range and the value given
   */
  public LabelNoiseConfig {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("label noise rate must be in [0, 1), got " + rate);
    }
    Checks.notNull("label noise kind", kind);
  }

  /**
   * Parses {@code 0.2} or {@code 0.2:pair} (the command line's {@code --label-noise}).
   *
   * @param text the rate, optionally followed by {@code :symmetric} or {@code :pair}
   * @return the config
   * @throws IllegalArgumentException naming {@code --label-noise} for anything else
   */
  public static LabelNoiseConfig parse(String text) {
    String[] parts = text.trim().toLowerCase(Locale.ROOT).split(":", -1);
    double rate;
    try {
      rate = Double.parseDouble(parts[0]);
    } catch (NumberFormatException e) {
      rate = Double.NaN;
    }
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException(
          "--label-noise must be RATE or RATE:symmetric|pair with RATE in [0, 1), got '"
              + text
              + "'");
    }
    if (parts.length > 2) {
      throw new IllegalArgumentException(
          "--label-noise must be RATE or RATE:symmetric|pair, got '" + text + "'");
    }
    return builder()
        .rate(rate)
        .kind(parts.length == 2 ? Kind.of(parts[1]) : Kind.SYMMETRIC)
        .build();
  }

  /**
   * A builder with the defaults: rate 0.2, symmetric.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The one place the defaults are written; {@link #build} validates. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private double rate = 0.2;
    private Kind kind = Kind.SYMMETRIC;

    private Builder() {}

    /**
     * Sets the rate.
     *
     * @param v the probability that a label is replaced
     * @return this builder
     */
    public Builder rate(double v) {
      rate = v;
      return this;
    }

    /**
     * Sets the kind.
     *
     * @param v symmetric or pair-flip
     * @return this builder
     */
    public Builder kind(Kind v) {
      kind = v;
      return this;
    }

    /**
     * Builds and validates.
     *
     * @return the config
     */
    public LabelNoiseConfig build() {
      return new LabelNoiseConfig(rate, kind);
    }
  }
}

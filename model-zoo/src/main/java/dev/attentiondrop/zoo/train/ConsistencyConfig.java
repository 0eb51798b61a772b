package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.zoo.config.Json;
import java.util.Locale;

/**
 * A consistency objective over {@code K = passes} stochastic passes with predicted distributions
 * {@code P_1 .. P_K}: Consistency-Regularized AttentionDrop ({@code divergence = kl}, with
 * AttentionDrop regularizers in the model) or R-Drop ({@code divergence = symmetric_kl}, with
 * dropout).
 *
 * <pre>
 *   loss = (1/K) sum_k CE(P_k, y) + lambda * mean_{i &lt; j} D(P_i, P_j)
 *   kl:            D(P, Q) = KL(P || Q)
 *   symmetric_kl:  D(P, Q) = (KL(P || Q) + KL(Q || P)) / 2
 * </pre>
 *
 * Built with {@link #builder}; JSON is read through the builder, so a key left out takes its
 * default.
 *
 * @param lambda weight, {@code >= 0} (default 1)
 * @param divergence {@link Divergence#KL} (default) or {@link Divergence#SYMMETRIC_KL}; JSON {@code
 *     "kl"} or {@code "symmetric_kl"}
 * @param passes {@code K} in {@code [2, 16]} (default 2)
 * @param mode {@link Mode#BATCHED} (default: one pass over K stacked copies; the model stacks them
 *     at its first attention, so the embedding, first LN and Q/K/V projections run once: {@link
 *     MultiPass.Mode#SHARED_PREFIX}) or {@link Mode#SEQUENTIAL}; JSON {@code "batched"} or {@code
 *     "sequential"}
 */
@JsonDeserialize(builder = ConsistencyConfig.Builder.class)
public record ConsistencyConfig(double lambda, Divergence divergence, int passes, Mode mode) {

  /** The divergence {@code D} between two passes; JSON names are the lowercase constant names. */
  public enum Divergence {
    /** {@code KL(P_i || P_j)}. */
    KL,
    /** {@code (KL(P_i || P_j) + KL(P_j || P_i)) / 2}. */
    SYMMETRIC_KL;

    /**
     * The JSON name.
     *
     * @return {@code "kl"} or {@code "symmetric_kl"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The divergence named {@code name}, in any case.
     *
     * @param name {@code "kl"} or {@code "symmetric_kl"}
     * @return the divergence
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Divergence of(String name) {
      return Json.enumValue(
          "divergence", Divergence.class, name == null ? null : name.toLowerCase(Locale.ROOT));
    }
  }

  /** How the passes run; JSON names are the lowercase constant names. */
  public enum Mode {
    /** One pass over the {@code K} copies stacked along the batch. */
    BATCHED,
    /** {@code K} passes one after another. */
    SEQUENTIAL;

    /**
     * The JSON name.
     *
     * @return {@code "batched"} or {@code "sequential"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The mode named {@code name}, in any case.
     *
     * @param name {@code "batched"} or {@code "sequential"}
     * @return the mode
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Mode of(String name) {
      return Json.enumValue(
          "mode", Mode.class, name == null ? null : name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * Validates every field.
   *
   * @param lambda weight, {@code >= 0} (default 1)
   * @param divergence {@link Divergence#KL} (default) or {@link Divergence#SYMMETRIC_KL}; JSON
   *     {@code "kl"} or {@code "symmetric_kl"}
   * @param passes {@code K} in {@code [2, 16]} (default 2)
   * @param mode {@link Mode#BATCHED} (default: one pass over K stacked copies; the model stacks
   *     them at its first attention, so the embedding, first LN and Q/K/V projections run once:
   *     {@link MultiPass.Mode#SHARED_PREFIX}) or {@link Mode#SEQUENTIAL}; JSON {@code "batched"} or
   *     {@code "sequential"}
   * @throws IllegalArgumentException naming the invalid field, its range and the value given
   */
  public ConsistencyConfig {
    Checks.nonNegativeFinite("lambda", lambda);
    Checks.inRange("passes", passes, 2, 16);
    Checks.notNull("divergence", divergence);
    Checks.notNull("mode", mode);
  }

  /**
   * A builder with the defaults: lambda 1, kl, 2 passes, batched.
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
    return builder().lambda(lambda).divergence(divergence).passes(passes).mode(mode);
  }

  /**
   * Consistency-Regularized AttentionDrop: {@code KL(P1 || P2)}, two batched passes.
   *
   * @param lambda weight of the divergence
   * @return the config
   */
  public static ConsistencyConfig attentionDrop(double lambda) {
    return builder().lambda(lambda).divergence(Divergence.KL).build();
  }

  /**
   * R-Drop: symmetric KL, two batched passes.
   *
   * @param alpha weight of the divergence
   * @return the config
   */
  public static ConsistencyConfig rDrop(double alpha) {
    return builder().lambda(alpha).divergence(Divergence.SYMMETRIC_KL).build();
  }

  /**
   * The tf-ops loss of this objective.
   *
   * @return the loss with this lambda and divergence
   */
  public ConsistencyLoss loss() {
    return new ConsistencyLoss(
        lambda,
        divergence == Divergence.KL
            ? dev.attentiondrop.ops.consistency.Divergence.KL
            : dev.attentiondrop.ops.consistency.Divergence.SYMMETRIC_KL);
  }

  /**
   * The tf-ops pass mode.
   *
   * @return {@link MultiPass.Mode#BATCHED} or {@link MultiPass.Mode#SEQUENTIAL}
   */
  public MultiPass.Mode passMode() {
    return mode == Mode.BATCHED ? MultiPass.Mode.BATCHED : MultiPass.Mode.SEQUENTIAL;
  }

  /**
   * Parses {@code lambda=1,divergence=kl,passes=2,mode=batched} (any subset; the rest take the
   * builder's defaults).
   *
   * @param text comma-separated {@code key=value} pairs
   * @return the config
   * @throws IllegalArgumentException for a malformed pair, an unknown key or an invalid value
   */
  public static ConsistencyConfig parse(String text) {
    Builder b = builder();
    for (String kv : text.split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      String[] p = kv.split("=", 2);
      if (p.length != 2) {
        throw new IllegalArgumentException(
            "expected key=value in '" + text + "', got '" + kv + "'");
      }
      String v = p[1].trim();
      switch (p[0].trim()) {
        case "lambda" -> b.lambda(Double.parseDouble(v));
        case "divergence" -> b.divergence(Divergence.of(v));
        case "passes" -> b.passes(Integer.parseInt(v));
        case "mode" -> b.mode(Mode.of(v));
        default ->
            throw new IllegalArgumentException(
                "unknown consistency parameter '"
                    + p[0].trim()
                    + "'; allowed: lambda, divergence, passes, mode");
      }
    }
    return b.build();
  }

  /** The one place the defaults are written; {@link #build} validates. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private double lambda = 1.0;
    private Divergence divergence = Divergence.KL;
    private int passes = 2;
    private Mode mode = Mode.BATCHED;

    private Builder() {}

    /**
     * Sets the weight of the divergence.
     *
     * @param v lambda, {@code >= 0}
     * @return this builder
     */
    public Builder lambda(double v) {
      this.lambda = v;
      return this;
    }

    /**
     * Sets the divergence.
     *
     * @param v kl or symmetric_kl
     * @return this builder
     */
    public Builder divergence(Divergence v) {
      this.divergence = v;
      return this;
    }

    /**
     * Sets the number of passes.
     *
     * @param v {@code K} in {@code [2, 16]}
     * @return this builder
     */
    public Builder passes(int v) {
      this.passes = v;
      return this;
    }

    /**
     * Sets how the passes run.
     *
     * @param v batched or sequential
     * @return this builder
     */
    public Builder mode(Mode v) {
      this.mode = v;
      return this;
    }

    /**
     * Validates and builds the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ConsistencyConfig build() {
      return new ConsistencyConfig(lambda, divergence, passes, mode);
    }
  }
}

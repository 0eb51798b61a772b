package dev.attentiondrop.zoo.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.zoo.config.Json;

/**
 * Adam or AdamW hyper-parameters.
 *
 * <pre>
 *   m_t = beta1 m_{t-1} + (1 - beta1) g_t          v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
 *   m^_t = m_t / (1 - beta1^t)                      v^_t = v_t / (1 - beta2^t)
 *   w_t = w_{t-1} - lr_t (m^_t / (sqrt(v^_t) + epsilon) + wd w_{t-1})     (wd = 0 for Adam)
 * </pre>
 *
 * with {@code t} counted from 1 at the first update (PyTorch's Adam/AdamW and Keras' Adam
 * convention). AdamW's decay is decoupled from the gradient (Loshchilov and Hutter). Built with
 * {@link #builder}; JSON is read through the builder, so a key left out takes its default.
 *
 * @param kind {@link Kind#ADAM} or {@link Kind#ADAMW} (default); JSON {@code "adam"} or {@code
 *     "adamw"}
 * @param learningRate peak learning rate, {@code > 0} (default {@code 1e-3})
 * @param beta1 in {@code [0, 1)} (default 0.9)
 * @param beta2 in {@code [0, 1)} (default 0.999)
 * @param epsilon {@code > 0} (default {@code 1e-8})
 * @param weightDecay decoupled decay {@code wd}, {@code >= 0}; adamw only (default 0.01 for adamw,
 *     0 for adam)
 */
@JsonDeserialize(builder = OptimizerConfig.Builder.class)
public record OptimizerConfig(
    Kind kind,
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay) {

  /** The update rule; JSON names are the lowercase constant names. */
  public enum Kind {
    /** Adam: no weight decay. */
    ADAM,
    /** AdamW: Adam with decoupled weight decay. */
    ADAMW;

    /**
     * The JSON name.
     *
     * @return {@code "adam"} or {@code "adamw"}
     */
    @JsonValue
    @Override
    public String toString() {
      return Json.enumName(this);
    }

    /**
     * The kind named {@code name}.
     *
     * @param name {@code "adam"} or {@code "adamw"}
     * @return the kind
     * @throws IllegalArgumentException for any other name, listing the allowed ones
     */
    @JsonCreator
    public static Kind of(String name) {
      return Json.enumValue("optimizer", Kind.class, name);
    }
  }

  /**
   * Validates every field.
   *
   * @param kind {@link Kind#ADAM} or {@link Kind#ADAMW} (default); JSON {@code "adam"} or {@code
   *     "adamw"}
   * @param learningRate peak learning rate, {@code > 0} (default {@code 1e-3})
   * @param beta1 in {@code [0, 1)} (default 0.9)
   * @param beta2 in {@code [0, 1)} (default 0.999)
   * @param epsilon {@code > 0} (default {@code 1e-8})
   * @param weightDecay decoupled decay {@code wd}, {@code >= 0}; adamw only (default 0.01 for
   *     adamw, 0 for adam)
   * @throws IllegalArgumentException naming the invalid field, its range and the value given, or
   *     for a weight decay with adam
   */
  public OptimizerConfig {
    Checks.notNull("optimizer", kind);
    Checks.positiveFinite("learning_rate", learningRate);
    Checks.inClosedOpen("beta1", beta1, 0, 1);
    Checks.inClosedOpen("beta2", beta2, 0, 1);
    Checks.positiveFinite("epsilon", epsilon);
    Checks.nonNegativeFinite("weight_decay", weightDecay);
    if (kind == Kind.ADAM && weightDecay != 0) {
      throw new IllegalArgumentException(
          "weight_decay applies to adamw only; got " + weightDecay + " with adam");
    }
  }

  /**
   * A builder with the defaults: AdamW, learning rate {@code 1e-3}, betas 0.9 / 0.999, epsilon
   * {@code 1e-8}, weight decay 0.01.
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
    return builder()
        .kind(kind)
        .learningRate(learningRate)
        .beta1(beta1)
        .beta2(beta2)
        .epsilon(epsilon)
        .weightDecay(weightDecay);
  }

  /**
   * Adam with the default betas and epsilon.
   *
   * @param lr peak learning rate
   * @return the config
   */
  public static OptimizerConfig adam(double lr) {
    return builder().kind(Kind.ADAM).learningRate(lr).build();
  }

  /**
   * AdamW with the default betas and epsilon.
   *
   * @param lr peak learning rate
   * @param weightDecay decoupled decay
   * @return the config
   */
  public static OptimizerConfig adamw(double lr, double weightDecay) {
    return builder().kind(Kind.ADAMW).learningRate(lr).weightDecay(weightDecay).build();
  }

  /**
   * The one place the defaults are written; {@link #build} validates. The weight decay, if not set,
   * is 0.01 for adamw and 0 for adam.
   */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private Kind kind = Kind.ADAMW;
    private double learningRate = 1e-3;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;
    private Double weightDecay;

    private Builder() {}

    /**
     * Sets the update rule.
     *
     * @param v adam or adamw
     * @return this builder
     */
    public Builder kind(Kind v) {
      this.kind = v;
      return this;
    }

    /**
     * Sets the peak learning rate.
     *
     * @param v rate, {@code > 0}
     * @return this builder
     */
    public Builder learningRate(double v) {
      this.learningRate = v;
      return this;
    }

    /**
     * Sets the first-moment decay.
     *
     * @param v {@code beta1} in {@code [0, 1)}
     * @return this builder
     */
    public Builder beta1(double v) {
      this.beta1 = v;
      return this;
    }

    /**
     * Sets the second-moment decay.
     *
     * @param v {@code beta2} in {@code [0, 1)}
     * @return this builder
     */
    public Builder beta2(double v) {
      this.beta2 = v;
      return this;
    }

    /**
     * Sets the denominator's epsilon.
     *
     * @param v epsilon, {@code > 0}
     * @return this builder
     */
    public Builder epsilon(double v) {
      this.epsilon = v;
      return this;
    }

    /**
     * Sets the decoupled weight decay.
     *
     * @param v {@code wd >= 0}; must be 0 with adam
     * @return this builder
     */
    public Builder weightDecay(double v) {
      this.weightDecay = v;
      return this;
    }

    /**
     * Validates and builds the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the first invalid field
     */
    public OptimizerConfig build() {
      double wd = weightDecay != null ? weightDecay : kind == Kind.ADAMW ? 0.01 : 0.0;
      return new OptimizerConfig(kind, learningRate, beta1, beta2, epsilon, wd);
    }
  }
}

package dev.attentiondrop.ops.beyond;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.random.Seeds;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TFloating;

/**
 * DropKey (Li et al., CVPR 2023): before softmax, each valid logit is excluded ({@code -inf}, here
 * {@link Masking#dropFill}) independently with probability {@code d_l}, the rate of the layer given
 * by {@link RateSchedule}. No rescaling; softmax renormalizes over the kept keys. Unlike Hard
 * Attention Masking, every key is a candidate, not only the top-k.
 *
 * @param schedule drop rate per layer
 */
public record DropKey(RateSchedule schedule) implements LogitsRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "dropkey";

  /** Default rate of the first layer; the last layer's defaults to the first's (a constant). */
  public static final double DEFAULT_RATE = 0.1;

  /** The configuration keys: {@code rate} (first layer) and {@code rate_last} (last layer). */
  public static final List<String> KEYS = List.of("rate", "rate_last");

  /**
   * Validates the components.
   *
   * @param schedule drop rate per layer
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public DropKey {
    Checks.notNull("schedule", schedule);
  }

  /**
   * The DropKey a configuration describes: an omitted {@code rate} is {@value #DEFAULT_RATE}, an
   * omitted {@code rate_last} equals {@code rate}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static DropKey fromConfig(Map<String, ?> config) {
    ConfigReader c = ConfigReader.of(NAME, config, KEYS);
    double rate = c.real("rate", DEFAULT_RATE);
    return new DropKey(RateSchedule.linear(rate, c.real("rate_last", rate)));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("rate", schedule.first(), "rate_last", schedule.last());
  }

  /**
   * The same rate in every layer.
   *
   * @param rate the drop rate {@code d_l} of this layer
   * @return the same rate in every layer
   */
  public static DropKey of(double rate) {
    return new DropKey(RateSchedule.constant(rate));
  }

  @Override
  public <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> logits, AttentionContext context) {
    Checks.rank("logits", logits, 4, "[batch, heads, queries, keys]");
    double rate = schedule.rate(context.layer(), context.numLayers());
    if (rate == 0) {
      return logits;
    }
    return context
        .training()
        .choose(
            tf,
            () ->
                applyWithNoise(
                    tf,
                    logits,
                    context.keyMask(),
                    rate,
                    Seeds.uniform(
                        tf, Tensors.shape(tf, logits), context.requireSeed(), logits.type())),
            logits);
  }

  /**
   * The deterministic core: excludes valid {@code (i, j)} where {@code u_ij < rate}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code L}, {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @param rate the drop rate {@code d_l} of this layer
   * @param u uniform noise on {@code [0, 1)} of the shape of the logits
   * @return the logits with the dropped keys excluded
   */
  public static <T extends TFloating> Operand<T> applyWithNoise(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, double rate, Operand<T> u) {
    Operand<TBool> drop = tf.math.less(u, Tensors.scalarLike(tf, rate, logits));
    if (keyMask != null) {
      drop = tf.math.logicalAnd(drop, Masking.fullMask(tf, keyMask, logits));
    }
    return tf.select(drop, Masking.dropFill(tf, logits.type()), logits);
  }
}

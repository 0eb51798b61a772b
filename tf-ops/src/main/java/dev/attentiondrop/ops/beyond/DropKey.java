package dev.attentiondrop.ops.beyond;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.LogitsRegularizer;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.random.Seeds;
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
public record DropKey(RateSchedule schedule) implements LogitsRegularizer {

  public DropKey {
    Checks.notNull("schedule", schedule);
  }

  /** The same rate in every layer. */
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
                    Seeds.uniform(tf, tf.shape(logits), context.requireSeed(), logits.type())),
            logits);
  }

  /** The deterministic core: excludes valid {@code (i, j)} where {@code u_ij < rate}. */
  public static <T extends TFloating> Operand<T> applyWithNoise(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask, double rate, Operand<T> u) {
    Operand<TBool> drop = tf.math.less(u, Tensors.scalarLike(tf, rate, logits));
    if (keyMask != null) {
      drop = tf.math.logicalAnd(drop, Masking.fullMask(tf, keyMask, logits));
    }
    return tf.select(drop, Masking.dropFill(tf, logits.type()), logits);
  }
}

package dev.attentiondrop.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A stochastic transformation of attention probabilities {@code A = softmax(L)}, shape {@code
 * [batch, heads, queries, keys]}, applied after softmax and before {@code A V} (attention dropout,
 * DropHead, DropAttention, relaxed attention).
 *
 * <p>Same contract as {@link LogitsRegularizer}: identity when training is off, masked keys keep
 * probability zero, noise only from the context's seed.
 */
@FunctionalInterface
public interface ProbabilityRegularizer {
  /**
   * Transforms attention probabilities {@code A} into {@code A'}.
   *
   * @param <T> the floating type of the probabilities
   * @param tf the ops of the graph being built
   * @param probabilities {@code A = softmax(L)}, {@code [batch, heads, queries, keys]}
   * @param context key mask, training mode, seed and layer
   * @return {@code A'}, of the shape of {@code probabilities}; {@code probabilities} itself when
   *     training is off
   */
  <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> probabilities, AttentionContext context);
}

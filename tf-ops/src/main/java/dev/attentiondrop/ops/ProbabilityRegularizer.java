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
  <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> probabilities, AttentionContext context);
}

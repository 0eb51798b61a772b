package dev.attentiondrop.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A stochastic transformation of attention logits {@code L = Q K^T / sqrt(d_k)}, shape {@code
 * [batch, heads, queries, keys]}, applied before softmax.
 *
 * <p>Contract: a pure function of its arguments; returns {@code logits} itself when {@code
 * context.training()} is {@link Training#OFF}; never reads a masked logit and leaves masked
 * positions unchanged; draws noise only from {@code context.seed()}.
 */
@FunctionalInterface
public interface LogitsRegularizer {
  /**
   * Transforms attention logits {@code L} into {@code L'}.
   *
   * @param <T> the floating type of the logits
   * @param tf the ops of the graph being built
   * @param logits {@code L = Q K^T / sqrt(d_k)}, {@code [batch, heads, queries, keys]}
   * @param context key mask, training mode, seed and layer
   * @return {@code L'}, of the shape of {@code logits}; {@code logits} itself when training is off
   */
  <T extends TFloating> Operand<T> apply(Ops tf, Operand<T> logits, AttentionContext context);
}

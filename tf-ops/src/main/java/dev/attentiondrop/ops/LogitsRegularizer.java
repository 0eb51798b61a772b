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
  <T extends TFloating> Operand<T> apply(Ops tf, Operand<T> logits, AttentionContext context);
}

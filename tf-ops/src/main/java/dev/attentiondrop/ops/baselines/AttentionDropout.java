package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * Standard attention dropout (Keras {@code MultiHeadAttention(dropout=rate)}): inverted dropout on
 * the attention probabilities, {@code A' = A * M / (1 - rate)}. Rows no longer sum to 1 exactly;
 * their expectation does.
 *
 * @param rate probability of dropping a probability entry, in {@code [0, 1)}
 */
public record AttentionDropout(double rate) implements ProbabilityRegularizer {

  public AttentionDropout {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  @Override
  public <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> probabilities, AttentionContext context) {
    Checks.rank("probabilities", probabilities, 4, "[batch, heads, queries, keys]");
    return new Dropout(rate).call(tf, probabilities, context.training(), context.trainingSeed());
  }
}

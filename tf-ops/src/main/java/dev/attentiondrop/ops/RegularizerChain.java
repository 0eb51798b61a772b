package dev.attentiondrop.ops;

import dev.attentiondrop.ops.random.SeedSalts;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * An ordered chain of logits regularizers followed by an ordered chain of probability regularizers.
 * Element {@code i} of each chain gets its own independent seed, {@code foldIn(seed, i)} (logits)
 * and {@code foldIn(seed, 1000 + i)} (probabilities; see {@link SeedSalts}), so that two
 * regularizers of the same kind in one chain never share noise.
 */
public record RegularizerChain(
    List<LogitsRegularizer> logits, List<ProbabilityRegularizer> probabilities) {

  /**
   * Validates the components.
   *
   * @param logits the logits
   * @param probabilities the probabilities
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public RegularizerChain {
    logits = List.copyOf(Checks.notNull("logits regularizers", logits));
    probabilities = List.copyOf(Checks.notNull("probability regularizers", probabilities));
  }

  /**
   * No regularization: plain attention.
   *
   * @return the empty chain
   */
  public static RegularizerChain none() {
    return new RegularizerChain(List.of(), List.of());
  }

  /**
   * A chain of logits regularizers only.
   *
   * @param regularizers the logits stage, in order
   * @return the chain
   */
  public static RegularizerChain ofLogits(LogitsRegularizer... regularizers) {
    return new RegularizerChain(List.of(regularizers), List.of());
  }

  /**
   * A chain of probability regularizers only.
   *
   * @param regularizers the probability stage, in order
   * @return the chain
   */
  public static RegularizerChain ofProbabilities(ProbabilityRegularizer... regularizers) {
    return new RegularizerChain(List.of(), List.of(regularizers));
  }

  /**
   * This chain with {@code r} appended to the logits stage.
   *
   * @param r the regularizer to append
   * @return this chain with {@code r} appended to the logits stage
   */
  public RegularizerChain thenLogits(LogitsRegularizer r) {
    var l = new ArrayList<>(logits);
    l.add(Checks.notNull("regularizer", r));
    return new RegularizerChain(l, probabilities);
  }

  /**
   * This chain with {@code r} appended to the probability stage.
   *
   * @param r the regularizer to append
   * @return this chain with {@code r} appended to the probability stage
   */
  public RegularizerChain thenProbabilities(ProbabilityRegularizer r) {
    var p = new ArrayList<>(probabilities);
    p.add(Checks.notNull("regularizer", r));
    return new RegularizerChain(logits, p);
  }

  /**
   * Whether the chain has no regularizer at all.
   *
   * @return true for plain attention
   */
  public boolean isEmpty() {
    return logits.isEmpty() && probabilities.isEmpty();
  }

  /** The element's own seed; without a seed, deterministic elements still run. */
  private static AttentionContext forked(Ops tf, AttentionContext context, long salt) {
    return context.seed() == null ? context : context.fork(tf, salt);
  }

  /**
   * Applies the logits stage in order.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the logits (or probabilities) {@code [batch, heads, queries, keys]}
   * @param context the attention context; each element gets its own forked seed
   * @return the regularized logits
   */
  public <T extends TFloating> Operand<T> applyToLogits(
      Ops tf, Operand<T> x, AttentionContext context) {
    if (context.training().isOff()) {
      return x;
    }
    for (int i = 0; i < logits.size(); i++) {
      x =
          logits
              .get(i)
              .apply(
                  tf, x, forked(tf, context, SeedSalts.indexed(SeedSalts.LOGITS_REGULARIZER, i)));
    }
    return x;
  }

  /**
   * Applies the probability stage in order.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the logits (or probabilities) {@code [batch, heads, queries, keys]}
   * @param context the attention context; each element gets its own forked seed
   * @return the regularized probabilities
   */
  public <T extends TFloating> Operand<T> applyToProbabilities(
      Ops tf, Operand<T> x, AttentionContext context) {
    if (context.training().isOff()) {
      return x;
    }
    for (int i = 0; i < probabilities.size(); i++) {
      x =
          probabilities
              .get(i)
              .apply(
                  tf,
                  x,
                  forked(tf, context, SeedSalts.indexed(SeedSalts.PROBABILITY_REGULARIZER, i)));
    }
    return x;
  }
}

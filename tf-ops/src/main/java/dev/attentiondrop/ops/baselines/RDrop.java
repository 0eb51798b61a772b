package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.consistency.ConsistencyLoss;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * R-Drop (Liang et al. 2021): two passes with independent dropout, and
 *
 * <pre>
 *   L = (CE_1 + CE_2) / 2 + alpha * (KL(P_1 || P_2) + KL(P_2 || P_1)) / 2
 * </pre>
 *
 * The R-Drop paper sums the two cross-entropies; we average them so that the task term has the
 * scale of a single-pass loss (learning rates carry over). Its {@code alpha} is our {@code 2 *
 * alpha}.
 *
 * @param alpha weight of the symmetric KL term, finite and {@code >= 0}
 */
public record RDrop(double alpha) implements Configurable {

  /** The registered name. */
  public static final String NAME = "rdrop";

  /** Default {@code alpha}. */
  public static final double DEFAULT_ALPHA = 1.0;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("alpha");

  /**
   * Validates the components.
   *
   * @param alpha weight of the symmetric KL term, finite and {@code >= 0}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public RDrop {
    Checks.nonNegativeFinite("alpha", alpha);
  }

  /**
   * The RDrop a configuration describes; an omitted {@code alpha} is {@value #DEFAULT_ALPHA}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static RDrop fromConfig(Map<String, ?> config) {
    return new RDrop(ConfigReader.of(NAME, config, KEYS).real("alpha", DEFAULT_ALPHA));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("alpha", alpha);
  }

  /**
   * {@code alpha * symmetric KL} between the two passes' output logits.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param z1 the first pass's output logits
   * @param z2 the second pass's output logits
   * @return {@code alpha * symmetric KL} between the two passes' output logits
   */
  public <T extends TFloating> Operand<T> consistency(Ops tf, Operand<T> z1, Operand<T> z2) {
    return ConsistencyLoss.symmetric(alpha).call(tf, List.of(z1, z2));
  }

  /**
   * The whole R-Drop loss from the two passes' task losses and output logits.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param task1 the first pass's task loss {@code CE_1}
   * @param task2 the second pass's task loss {@code CE_2}
   * @param z1 the first pass's output logits
   * @param z2 the second pass's output logits
   * @return the whole R-Drop loss from the two passes' task losses and output logits
   */
  public <T extends TFloating> Operand<T> total(
      Ops tf, Operand<T> task1, Operand<T> task2, Operand<T> z1, Operand<T> z2) {
    return ConsistencyLoss.symmetric(alpha).total(tf, List.of(task1, task2), List.of(z1, z2));
  }
}

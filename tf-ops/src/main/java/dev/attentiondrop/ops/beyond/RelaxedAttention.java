package dev.attentiondrop.ops.beyond;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.Masking;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import dev.attentiondrop.ops.Tensors;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.family.TFloating;

/**
 * Relaxed attention (Lohrenz et al. 2022), in training only: probabilities are mixed with the
 * uniform distribution over the row's valid keys,
 *
 * <pre>
 *   A'_ij = (1 - gamma) A_ij + gamma V_ij / n_i      (n_i = sum_j V_ij valid keys)
 * </pre>
 *
 * Deterministic: it needs no seed. A fully masked row stays all zeros.
 *
 * @param gamma mixing weight, in {@code [0, 1]}
 */
public record RelaxedAttention(double gamma) implements ProbabilityRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "relaxed";

  /** Default {@code gamma}. */
  public static final double DEFAULT_GAMMA = 0.1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("gamma");

  /**
   * Validates the components.
   *
   * @param gamma mixing weight, in {@code [0, 1]}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public RelaxedAttention {
    Checks.inClosed("gamma", gamma, 0, 1);
  }

  /**
   * The RelaxedAttention a configuration describes; an omitted {@code gamma} is {@value
   * #DEFAULT_GAMMA}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static RelaxedAttention fromConfig(Map<String, ?> config) {
    return new RelaxedAttention(ConfigReader.of(NAME, config, KEYS).real("gamma", DEFAULT_GAMMA));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("gamma", gamma);
  }

  @Override
  public <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> probabilities, AttentionContext context) {
    Checks.rank("probabilities", probabilities, 4, "[batch, heads, queries, keys]");
    if (gamma == 0) {
      return probabilities;
    }
    return context.training().choose(tf, () -> relax(tf, probabilities, context), probabilities);
  }

  private <T extends TFloating> Operand<T> relax(
      Ops tf, Operand<T> probabilities, AttentionContext context) {
    Class<T> type = probabilities.type();
    Operand<T> valid = tf.dtypes.cast(Masking.fullMask(tf, context.keyMask(), probabilities), type);
    Operand<T> n = tf.reduceSum(valid, Tensors.axis(tf, -1), ReduceSum.keepDims(true));
    Operand<T> uniform = tf.math.div(valid, tf.math.maximum(n, Tensors.scalar(tf, 1, type)));
    return tf.math.add(
        tf.math.mul(Tensors.scalar(tf, 1 - gamma, type), probabilities),
        tf.math.mul(Tensors.scalar(tf, gamma, type), uniform));
  }
}

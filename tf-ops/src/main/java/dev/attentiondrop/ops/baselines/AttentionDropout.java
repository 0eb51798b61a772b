package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import java.util.List;
import java.util.Map;
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
public record AttentionDropout(double rate) implements ProbabilityRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "dropout";

  /** Default {@code rate}. */
  public static final double DEFAULT_RATE = 0.1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("rate");

  /**
   * Validates the components.
   *
   * @param rate probability of dropping a probability entry, in {@code [0, 1)}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public AttentionDropout {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /**
   * The AttentionDropout a configuration describes; an omitted {@code rate} is {@value
   * #DEFAULT_RATE}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static AttentionDropout fromConfig(Map<String, ?> config) {
    return new AttentionDropout(ConfigReader.of(NAME, config, KEYS).real("rate", DEFAULT_RATE));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("rate", rate);
  }

  @Override
  public <T extends TFloating> Operand<T> apply(
      Ops tf, Operand<T> probabilities, AttentionContext context) {
    Checks.rank("probabilities", probabilities, 4, "[batch, heads, queries, keys]");
    return new Dropout(rate).call(tf, probabilities, context.training(), context.trainingSeed());
  }
}

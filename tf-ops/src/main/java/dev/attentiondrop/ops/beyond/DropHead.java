package dev.attentiondrop.ops.beyond;

import dev.attentiondrop.ops.AttentionContext;
import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.ProbabilityRegularizer;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.random.Seeds;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * DropHead (Zhou et al. 2020): per example, each head is dropped whole with probability {@code
 * rate} ({@code m_bh = [u_bh >= rate]}), and the kept heads are rescaled by {@code H / kept_b}:
 *
 * <pre>
 *   A'_bh = A_bh * m_bh * H / max(1, sum_h m_bh)
 * </pre>
 *
 * Acting on the probabilities zeroes the head's output {@code A_bh V_bh}. If every head of an
 * example is dropped, its attention output is zero (no NaN).
 *
 * @param rate probability of dropping a head, in {@code [0, 1)}
 */
public record DropHead(double rate) implements ProbabilityRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "drophead";

  /** Default {@code rate}. */
  public static final double DEFAULT_RATE = 0.1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("rate");

  /**
   * Validates the components.
   *
   * @param rate probability of dropping a head, in {@code [0, 1)}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public DropHead {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /**
   * The DropHead a configuration describes; an omitted {@code rate} is {@value #DEFAULT_RATE}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static DropHead fromConfig(Map<String, ?> config) {
    return new DropHead(ConfigReader.of(NAME, config, KEYS).real("rate", DEFAULT_RATE));
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
    if (rate == 0) {
      return probabilities;
    }
    return context
        .training()
        .choose(
            tf,
            () -> {
              Operand<TInt32> shape =
                  tf.stack(
                      List.of(
                          Tensors.dim(tf, probabilities, 0),
                          Tensors.dim(tf, probabilities, 1),
                          tf.constant(1),
                          tf.constant(1)));
              return applyWithNoise(
                  tf,
                  probabilities,
                  Seeds.uniform(tf, shape, context.requireSeed(), probabilities.type()));
            },
            probabilities);
  }

  /**
   * The deterministic core, for head noise {@code u} of shape {@code [batch, heads, 1, 1]}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param probabilities attention probabilities {@code A}, {@code [batch, heads, queries, keys]}
   * @param u head noise on {@code [0, 1)}, {@code [batch, heads, 1, 1]}
   * @return the deterministic core, for head noise {@code u} of shape {@code [batch, heads, 1, 1]}
   */
  public <T extends TFloating> Operand<T> applyWithNoise(
      Ops tf, Operand<T> probabilities, Operand<T> u) {
    Class<T> type = probabilities.type();
    Operand<T> keep = tf.dtypes.cast(tf.math.greaterEqual(u, Tensors.scalar(tf, rate, type)), type);
    Operand<T> kept = tf.reduceSum(keep, Tensors.axis(tf, 1), ReduceSum.keepDims(true));
    Operand<T> heads = tf.dtypes.cast(Tensors.dim(tf, probabilities, 1), type);
    Operand<T> scale = tf.math.div(heads, tf.math.maximum(kept, Tensors.scalar(tf, 1, type)));
    return tf.math.mul(probabilities, tf.math.mul(keep, scale));
  }
}

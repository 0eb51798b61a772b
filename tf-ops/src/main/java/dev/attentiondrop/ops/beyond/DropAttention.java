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
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * DropAttention (Lin et al. 2019), column/window form: per example and head, windows of {@code
 * window} consecutive keys are dropped for every query, then rows are renormalized to sum to 1.
 *
 * <p>A key column {@code j} starts a dropped window with probability {@code rate / window} ({@code
 * s_j = [u_j < rate / window]}); column {@code j} is dropped if any of {@code s_{j-window+1} ..
 * s_j} started one. With {@code window = 1} each column is dropped with probability {@code rate};
 * for larger windows the dropped fraction is {@code 1 - (1 - rate/window)^window ~ rate}.
 *
 * <pre>
 *   A'_ij = A_ij c_j / sum_k A_ik c_k       (c_j = 1 if column j is kept)
 * </pre>
 *
 * A row whose every attended key was dropped keeps its original probabilities.
 *
 * @param rate drop rate, in {@code [0, 1)}
 * @param window window width, in {@code [1, 64]}
 */
public record DropAttention(double rate, int window)
    implements ProbabilityRegularizer, Configurable {

  /** The registered name. */
  public static final String NAME = "dropattention";

  /** Default drop rate. */
  public static final double DEFAULT_RATE = 0.1;

  /** Default window width: single columns. */
  public static final int DEFAULT_WINDOW = 1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("rate", "window");

  /**
   * Validates the components.
   *
   * @param rate drop rate, in {@code [0, 1)}
   * @param window window width, in {@code [1, 64]}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public DropAttention {
    Checks.inClosedOpen("rate", rate, 0, 1);
    Checks.inRange("window", window, 1, 64);
  }

  /**
   * The DropAttention a configuration describes; omitted keys take the defaults.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static DropAttention fromConfig(Map<String, ?> config) {
    ConfigReader c = ConfigReader.of(NAME, config, KEYS);
    return new DropAttention(c.real("rate", DEFAULT_RATE), c.integer("window", DEFAULT_WINDOW));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("rate", rate, "window", window);
  }

  /**
   * Single-column dropping.
   *
   * @param rate the drop rate, in {@code [0, 1)}
   * @return single-column dropping
   */
  public static DropAttention columns(double rate) {
    return new DropAttention(rate, 1);
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
                          Tensors.dim(tf, probabilities, 3)));
              return applyWithNoise(
                  tf,
                  probabilities,
                  Seeds.uniform(tf, shape, context.requireSeed(), probabilities.type()));
            },
            probabilities);
  }

  /**
   * The deterministic core, for column noise {@code u} of shape {@code [batch, heads, 1, keys]}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param probabilities attention probabilities {@code A}, {@code [batch, heads, queries, keys]}
   * @param u column noise on {@code [0, 1)}, {@code [batch, heads, 1, keys]}
   * @return the deterministic core, for column noise {@code u} of shape {@code [batch, heads, 1,
   *     keys]}
   */
  public <T extends TFloating> Operand<T> applyWithNoise(
      Ops tf, Operand<T> probabilities, Operand<T> u) {
    Class<T> type = probabilities.type();
    Operand<T> starts =
        tf.dtypes.cast(tf.math.less(u, Tensors.scalar(tf, rate / window, type)), type);
    Operand<T> zero = Tensors.scalar(tf, 0, type);
    Operand<T> covered = starts;
    for (int d = 1; d < window; d++) {
      covered = tf.math.maximum(covered, Tensors.shiftLastAxis(tf, starts, -d, zero));
    }
    Operand<T> keep = tf.math.sub(Tensors.scalar(tf, 1, type), covered);
    Operand<T> kept = tf.math.mul(probabilities, keep);
    Operand<T> rowSum = tf.reduceSum(kept, Tensors.axis(tf, -1), ReduceSum.keepDims(true));
    Operand<TBool> empty = tf.math.lessEqual(rowSum, zero);
    Operand<T> safeSum = tf.math.add(rowSum, tf.dtypes.cast(empty, type)); // 1 where empty
    return tf.select(
        tf.broadcastTo(empty, tf.shape(probabilities)), probabilities, tf.math.div(kept, safeSum));
  }
}

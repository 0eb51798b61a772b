package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.random.Seeds;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * Inverted dropout on any tensor: {@code y = x * m / (1 - rate)}, {@code m ~ Bernoulli(1 - rate)}
 * elementwise ({@code m = [u >= rate]}, {@code u ~ U[0, 1)}), so {@code E[y] = x}.
 *
 * @param rate probability of dropping an element, in {@code [0, 1)}
 */
public record Dropout(double rate) implements Configurable {

  /** The registered name. */
  public static final String NAME = "tensor_dropout";

  /** Default {@code rate}. */
  public static final double DEFAULT_RATE = 0.1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("rate");

  /**
   * Validates the components.
   *
   * @param rate probability of dropping an element, in {@code [0, 1)}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public Dropout {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /**
   * The Dropout a configuration describes; an omitted {@code rate} is {@value #DEFAULT_RATE}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static Dropout fromConfig(Map<String, ?> config) {
    return new Dropout(ConfigReader.of(NAME, config, KEYS).real("rate", DEFAULT_RATE));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Map<String, Object> config() {
    return ConfigReader.entries("rate", rate);
  }

  /**
   * Dropout in training, identity otherwise.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the input tensor
   * @param training whether the graph runs in training mode
   * @param seed an {@code int64[2]} stateless seed; {@code null} when training is off
   * @return {@code x * m / (1 - rate)} in training, {@code x} otherwise
   */
  public <T extends TFloating> Operand<T> call(
      Ops tf, Operand<T> x, Training training, Operand<TInt64> seed) {
    if (rate == 0) {
      return x;
    }
    return training.choose(
        tf,
        () -> applyWithNoise(tf, x, Seeds.uniform(tf, Tensors.shape(tf, x), seed, x.type())),
        x);
  }

  /**
   * The deterministic core, for uniform noise {@code u} of the shape of {@code x}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param x the input tensor
   * @param u uniform noise on {@code [0, 1)} of the shape of {@code x}
   * @return the deterministic core, for uniform noise {@code u} of the shape of {@code x}
   */
  public <T extends TFloating> Operand<T> applyWithNoise(Ops tf, Operand<T> x, Operand<T> u) {
    // select(u >= rate, x / (1 - rate), 0): one comparison, one multiply and one select, where
    // x * cast(keep) * scale took a cast and two multiplies; kept values are the same bits, a
    // dropped one is +0 (x * 0 was -0 for a negative x).
    return tf.select(
        tf.math.greaterEqual(u, Tensors.scalarLike(tf, rate, x)),
        tf.math.mul(x, Tensors.scalarLike(tf, 1 / (1 - rate), x)),
        Tensors.scalarLike(tf, 0, x));
  }
}

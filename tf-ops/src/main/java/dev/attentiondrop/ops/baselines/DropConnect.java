package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.ConfigReader;
import dev.attentiondrop.ops.Configurable;
import dev.attentiondrop.ops.Training;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * DropConnect (Wan et al. 2013) on a weight matrix: {@code W' = (M * W) / (1 - rate)} with {@code
 * M_ij ~ Bernoulli(1 - rate)}, a fresh mask every step (pass a per-step seed), so {@code E[W'] =
 * W}. A layer computes {@code a(x W')} in training and {@code a(x W)} in inference.
 *
 * @param rate probability of dropping a weight, in {@code [0, 1)}
 */
public record DropConnect(double rate) implements Configurable {

  /** The registered name. */
  public static final String NAME = "dropconnect";

  /** Default {@code rate}. */
  public static final double DEFAULT_RATE = 0.1;

  /** The configuration keys. */
  public static final List<String> KEYS = List.of("rate");

  /**
   * Validates the components.
   *
   * @param rate probability of dropping a weight, in {@code [0, 1)}
   * @throws IllegalArgumentException when a component is out of its documented range
   */
  public DropConnect {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /**
   * The DropConnect a configuration describes; an omitted {@code rate} is {@value #DEFAULT_RATE}.
   *
   * @param config keys among {@link #KEYS}; values as numbers or their text
   * @return the regularizer
   * @throws IllegalArgumentException for an unknown key or a malformed or out-of-range value
   */
  public static DropConnect fromConfig(Map<String, ?> config) {
    return new DropConnect(ConfigReader.of(NAME, config, KEYS).real("rate", DEFAULT_RATE));
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
   * The masked, rescaled weight in training; the weight itself otherwise.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param weight the weight matrix {@code W}
   * @param training whether the graph runs in training mode
   * @param seed an {@code int64[2]} seed, fresh every step; {@code null} when training is off
   * @return the masked, rescaled weight in training
   */
  public <T extends TFloating> Operand<T> call(
      Ops tf, Operand<T> weight, Training training, Operand<TInt64> seed) {
    return new Dropout(rate).call(tf, weight, training, seed);
  }
}

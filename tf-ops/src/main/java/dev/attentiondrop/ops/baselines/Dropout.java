package dev.attentiondrop.ops.baselines;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Tensors;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.random.Seeds;
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
public record Dropout(double rate) {

  public Dropout {
    Checks.inClosedOpen("rate", rate, 0, 1);
  }

  /** Dropout in training, identity otherwise. */
  public <T extends TFloating> Operand<T> call(
      Ops tf, Operand<T> x, Training training, Operand<TInt64> seed) {
    if (rate == 0) {
      return x;
    }
    return training.choose(
        tf, () -> applyWithNoise(tf, x, Seeds.uniform(tf, tf.shape(x), seed, x.type())), x);
  }

  /** The deterministic core, for uniform noise {@code u} of the shape of {@code x}. */
  public <T extends TFloating> Operand<T> applyWithNoise(Ops tf, Operand<T> x, Operand<T> u) {
    Operand<T> keep =
        tf.dtypes.cast(tf.math.greaterEqual(u, Tensors.scalarLike(tf, rate, x)), x.type());
    return tf.math.mul(x, tf.math.mul(keep, Tensors.scalarLike(tf, 1 / (1 - rate), x)));
  }
}

package dev.attentiondrop.zoo.layers;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Deterministic weight initializers: every draw is a stateless op seeded with {@code [seed, n]},
 * {@code n} counting the draws of this instance, so building the same model with the same seed
 * gives the same weights, in any runtime.
 */
public final class Initializers {
  private final long seed;
  private final boolean restoring;
  private long counter;

  /**
   * Initializers drawing from the stateless seeds {@code [seed, 0]}, {@code [seed, 1]}, ... in the
   * order of the calls.
   *
   * @param seed the model's weight seed
   */
  public Initializers(long seed) {
    this(seed, false);
  }

  private Initializers(long seed, boolean restoring) {
    this.seed = seed;
    this.restoring = restoring;
  }

  /**
   * For graphs whose weights are restored from a checkpoint (serving): every initial value is a
   * constant (the uniform and normal draws are replaced by zeros, so {@link #glorotUniform} gives
   * the constant {@code -l}), so the graph holds no random op at all.
   *
   * @return initializers that build no random op
   */
  public static Initializers forRestore() {
    return new Initializers(0, true);
  }

  private Operand<TFloat32> uniform(Ops tf, Shape shape) {
    if (restoring) {
      return tf.zeros(tf.constant(shape), TFloat32.class);
    }
    return tf.random.statelessRandomUniform(
        tf.constant(shape), tf.constant(new long[] {seed, counter++}), TFloat32.class);
  }

  /**
   * Glorot (Xavier) uniform: {@code U[-l, l)}, {@code l = sqrt(6 / (fan_in + fan_out))}, computed
   * as {@code 2 l u - l} from a stateless {@code u ~ U[0, 1)}; the variance is {@code l^2 / 3 = 2 /
   * (fan_in + fan_out)}.
   *
   * @param tf the ops of the graph being built
   * @param fanIn the number of inputs of a unit
   * @param fanOut the number of outputs of a unit
   * @param shape the shape of the draw
   * @return a float32 tensor of {@code shape}
   */
  public Operand<TFloat32> glorotUniform(Ops tf, long fanIn, long fanOut, long... shape) {
    float limit = (float) Math.sqrt(6.0 / (fanIn + fanOut));
    return tf.math.sub(
        tf.math.mul(uniform(tf, Shape.of(shape)), tf.constant(2 * limit)), tf.constant(limit));
  }

  /**
   * {@code N(0, std^2)}: a stateless standard normal draw times {@code std} (zeros for {@link
   * #forRestore}).
   *
   * @param tf the ops of the graph being built
   * @param std the standard deviation
   * @param shape the shape of the draw
   * @return a float32 tensor of {@code shape}
   */
  public Operand<TFloat32> normal(Ops tf, double std, long... shape) {
    if (restoring) {
      return zeros(tf, shape);
    }
    Operand<TFloat32> n =
        tf.random.statelessRandomNormal(
            tf.constant(Shape.of(shape)),
            tf.constant(new long[] {seed, counter++}),
            TFloat32.class);
    return tf.math.mul(n, tf.constant((float) std));
  }

  /**
   * Constant zeros (draws no seed).
   *
   * @param tf the ops of the graph being built
   * @param shape the shape
   * @return a float32 tensor of {@code shape} holding 0
   */
  public Operand<TFloat32> zeros(Ops tf, long... shape) {
    return tf.zeros(tf.constant(Shape.of(shape)), TFloat32.class);
  }

  /**
   * Constant ones (draws no seed).
   *
   * @param tf the ops of the graph being built
   * @param shape the shape
   * @return a float32 tensor of {@code shape} holding 1
   */
  public Operand<TFloat32> ones(Ops tf, long... shape) {
    return tf.fill(tf.constant(Shape.of(shape)), tf.constant(1f));
  }
}

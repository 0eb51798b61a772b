package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.random.SeedSalts;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The transformer's position-wise feed-forward network: {@code Dense(d -> hidden), GELU, Dense(
 * hidden -> d)}, GELU exact ({@code x/2 (1 + erf(x / sqrt 2))}, Keras' default); DropConnect on
 * both kernels when its rate is positive.
 */
public final class FeedForward extends Layer {
  private final Dense up;
  private final Dense down;

  /**
   * Creates the two dense layers {@code up} and {@code down} under {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param dim the model width {@code d}
   * @param hidden the hidden width
   * @param dropConnect DropConnect rate on both kernels in training, 0 = off
   * @param init initializers of the weights
   * @throws IllegalArgumentException for a dimension below 1
   */
  public FeedForward(
      Ops tf, String name, int dim, int hidden, double dropConnect, Initializers init) {
    super(name);
    Ops scope = tf.withSubScope(name);
    this.up = add(new Dense(scope, "up", dim, hidden, true, dropConnect, init));
    this.down = add(new Dense(scope, "down", hidden, dim, true, dropConnect, init));
  }

  /**
   * {@code down(GELU(up(x)))}.
   *
   * @param tf the ops of the graph being built
   * @param x input {@code [..., d]}
   * @param ctx training mode and seed (for DropConnect); each dense layer gets its own fork
   * @return {@code [..., d]}
   */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x, CallContext ctx) {
    return down.call(
        tf,
        gelu(tf, up.call(tf, x, ctx.fork(tf, SeedSalts.FEED_FORWARD_UP))),
        ctx.fork(tf, SeedSalts.FEED_FORWARD_DOWN));
  }

  /**
   * Exact GELU, element-wise: {@code x Phi(x) = x/2 (1 + erf(x / sqrt 2))}, {@code Phi} the
   * standard normal CDF (not the tanh approximation).
   *
   * @param tf the ops of the graph being built
   * @param x the input
   * @return {@code GELU(x)}, of the shape of {@code x}
   */
  public static Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> cdf =
        tf.math.mul(
            tf.constant(0.5f),
            tf.math.add(
                tf.constant(1f),
                tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))))));
    return tf.math.mul(x, cdf);
  }
}

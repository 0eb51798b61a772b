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

  public FeedForward(
      Ops tf, String name, int dim, int hidden, double dropConnect, Initializers init) {
    super(name);
    Ops scope = tf.withSubScope(name);
    this.up = add(new Dense(scope, "up", dim, hidden, true, dropConnect, init));
    this.down = add(new Dense(scope, "down", hidden, dim, true, dropConnect, init));
  }

  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x, CallContext ctx) {
    return down.call(
        tf,
        gelu(tf, up.call(tf, x, ctx.fork(tf, SeedSalts.FEED_FORWARD_UP))),
        ctx.fork(tf, SeedSalts.FEED_FORWARD_DOWN));
  }

  /** Exact GELU. */
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

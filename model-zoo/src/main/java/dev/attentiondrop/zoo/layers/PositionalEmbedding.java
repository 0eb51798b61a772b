package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Learned positional embedding: adds {@code P[0:length]} ({@code [maxLength, dim]}) to the input.
 */
public final class PositionalEmbedding extends Layer {
  private final Variable<TFloat32> table;
  private final int maxLength;

  public PositionalEmbedding(Ops tf, String name, int maxLength, int dim, Initializers init) {
    super(name);
    this.maxLength = Checks.inRange("maxLength", maxLength, 1, Integer.MAX_VALUE);
    Ops scope = tf.withSubScope(name);
    this.table = addWeight(scope, "positions", init.normal(scope, 0.02, maxLength, dim));
  }

  /** {@code x + P[:length]} for {@code x} of shape {@code [batch, length, dim]}, static length. */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x) {
    long length = x.shape().get(1);
    Checks.inRange("sequence length", (int) length, 1, maxLength);
    Operand<TFloat32> p =
        tf.slice(table, tf.constant(new int[] {0, 0}), tf.constant(new int[] {(int) length, -1}));
    return tf.math.add(x, p);
  }
}

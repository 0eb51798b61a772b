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

  /**
   * Creates the table {@code positions [maxLength, dim]}, drawn from {@code N(0, 0.02^2)}, under
   * {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param maxLength the longest sequence
   * @param dim the embedding width
   * @param init initializers of the weights
   * @throws IllegalArgumentException for {@code maxLength < 1}
   */
  public PositionalEmbedding(Ops tf, String name, int maxLength, int dim, Initializers init) {
    super(name);
    this.maxLength = Checks.inRange("maxLength", maxLength, 1, Integer.MAX_VALUE);
    Ops scope = tf.withSubScope(name);
    this.table = addWeight(scope, "positions", init.normal(scope, 0.02, maxLength, dim));
  }

  /**
   * {@code y[b, t, :] = x[b, t, :] + P[t, :]} for {@code t < length}.
   *
   * @param tf the ops of the graph being built
   * @param x input {@code [batch, length, dim]} with a static {@code length}
   * @return {@code x + P[0:length]}, of the shape of {@code x}
   * @throws IllegalArgumentException for a length outside {@code [1, maxLength]}
   */
  public Operand<TFloat32> call(Ops tf, Operand<TFloat32> x) {
    long length = x.shape().get(1);
    Checks.inRange("sequence length", (int) length, 1, maxLength);
    Operand<TFloat32> p =
        tf.slice(table, tf.constant(new int[] {0, 0}), tf.constant(new int[] {(int) length, -1}));
    return tf.math.add(x, p);
  }
}

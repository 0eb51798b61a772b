package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token embedding: ids {@code [batch, length]} to vectors {@code [batch, length, dim]}, table
 * {@code [vocabulary, dim]} initialized N(0, 0.02^2). Looked up with {@code Gather}.
 */
public final class Embedding extends Layer {
  private final Variable<TFloat32> table;
  private final int vocabulary;

  /**
   * Creates the table {@code embeddings [vocabulary, dim]}, drawn from {@code N(0, 0.02^2)}, under
   * {@code name}.
   *
   * @param tf the ops of the parent's scope
   * @param name the layer's scope
   * @param vocabulary the number of ids
   * @param dim the embedding width
   * @param init initializers of the weights
   * @throws IllegalArgumentException for {@code vocabulary < 1} or {@code dim < 1}
   */
  public Embedding(Ops tf, String name, int vocabulary, int dim, Initializers init) {
    super(name);
    this.vocabulary = Checks.inRange("vocabulary", vocabulary, 1, Integer.MAX_VALUE);
    Checks.inRange("dim", dim, 1, Integer.MAX_VALUE);
    Ops scope = tf.withSubScope(name);
    this.table = addWeight(scope, "embeddings", init.normal(scope, 0.02, vocabulary, dim));
  }

  /**
   * The number of ids.
   *
   * @return the table's first dimension
   */
  public int vocabulary() {
    return vocabulary;
  }

  /**
   * The table.
   *
   * @return {@code E [vocabulary, dim]}
   */
  public Variable<TFloat32> table() {
    return table;
  }

  /**
   * Looks the ids up: {@code y[b, t, :] = E[ids[b, t], :]} ({@code Gather} on axis 0).
   *
   * @param tf the ops of the graph being built
   * @param ids token ids {@code [batch, length]} in {@code [0, vocabulary)}
   * @return {@code [batch, length, dim]}
   */
  public Operand<TFloat32> call(Ops tf, Operand<TInt32> ids) {
    return tf.gather(table, ids, tf.constant(0));
  }
}

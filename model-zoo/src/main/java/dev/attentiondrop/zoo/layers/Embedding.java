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

  public Embedding(Ops tf, String name, int vocabulary, int dim, Initializers init) {
    super(name);
    this.vocabulary = Checks.inRange("vocabulary", vocabulary, 1, Integer.MAX_VALUE);
    Checks.inRange("dim", dim, 1, Integer.MAX_VALUE);
    Ops scope = tf.withSubScope(name);
    this.table = addWeight(scope, "embeddings", init.normal(scope, 0.02, vocabulary, dim));
  }

  public int vocabulary() {
    return vocabulary;
  }

  public Variable<TFloat32> table() {
    return table;
  }

  public Operand<TFloat32> call(Ops tf, Operand<TInt32> ids) {
    return tf.gather(table, ids, tf.constant(0));
  }
}

package dev.attentiondrop.ops.attention;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Tensors;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;

/**
 * Builders of key masks ({@code TBool}, broadcastable to {@code [batch, heads, queries, keys]}).
 */
public final class AttentionMasks {
  private AttentionMasks() {}

  /**
   * The causal mask {@code [1, 1, queries, keys]}: query {@code i} may attend to key {@code j} iff
   * {@code j <= i + (keys - queries)} (queries are the last {@code queries} positions).
   *
   * @param tf the ops of the graph being built
   * @param queries the number of queries
   * @param keys the number of keys
   * @return the causal mask {@code [1, 1, queries, keys]}
   */
  public static Operand<TBool> causal(Ops tf, Operand<TInt32> queries, Operand<TInt32> keys) {
    Operand<TInt32> zero = tf.constant(0);
    Operand<TInt32> one = tf.constant(1);
    Operand<TInt32> q = tf.expandDims(tf.range(zero, queries, one), tf.constant(1)); // [Q, 1]
    Operand<TInt32> k = tf.expandDims(tf.range(zero, keys, one), tf.constant(0)); // [1, K]
    Operand<TBool> allowed = tf.math.lessEqual(k, tf.math.add(q, tf.math.sub(keys, queries)));
    return tf.reshape(allowed, tf.stack(List.of(one, one, queries, keys)));
  }

  /**
   * The causal mask for a static number of positions.
   *
   * @param tf the ops of the graph being built
   * @param positions the number of positions, queries and keys alike
   * @return the causal mask for a static number of positions
   */
  public static Operand<TBool> causal(Ops tf, int positions) {
    Checks.inRange("positions", positions, 1, Integer.MAX_VALUE);
    return causal(tf, tf.constant(positions), tf.constant(positions));
  }

  /**
   * A padding mask {@code [batch, 1, 1, keys]} from {@code valid [batch, keys]}.
   *
   * @param tf the ops of the graph being built
   * @param valid {@code true} at the valid keys, {@code [batch, keys]}
   * @return a padding mask {@code [batch, 1, 1, keys]} from {@code valid [batch, keys]}
   */
  public static Operand<TBool> padding(Ops tf, Operand<TBool> valid) {
    Checks.rank("valid", valid, 2, "[batch, keys]");
    return tf.expandDims(tf.expandDims(valid, tf.constant(1)), tf.constant(1));
  }

  /**
   * A padding mask from per-example lengths: key {@code j} is valid iff {@code j < length_b}.
   *
   * @param tf the ops of the graph being built
   * @param lengths valid keys per example, {@code [batch]}
   * @param keys the number of keys
   * @return a padding mask from per-example lengths
   */
  public static Operand<TBool> fromLengths(Ops tf, Operand<TInt32> lengths, Operand<TInt32> keys) {
    Checks.rank("lengths", lengths, 1, "[batch]");
    Operand<TInt32> j =
        tf.expandDims(tf.range(tf.constant(0), keys, tf.constant(1)), tf.constant(0));
    return padding(tf, tf.math.less(j, tf.expandDims(lengths, tf.constant(1))));
  }

  /**
   * Both masks; either may be {@code null}.
   *
   * @param tf the ops of the graph being built
   * @param a a mask, or {@code null}
   * @param b another mask, or {@code null}
   * @return {@code a && b}; the other when one is {@code null}
   */
  public static Operand<TBool> and(Ops tf, Operand<TBool> a, Operand<TBool> b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return tf.math.logicalAnd(a, b);
  }

  /** The static or dynamic number of positions along {@code axis} of {@code x}. */
  static Operand<TInt32> size(Ops tf, Operand<?> x, int axis) {
    return Tensors.dim(tf, x, axis);
  }
}

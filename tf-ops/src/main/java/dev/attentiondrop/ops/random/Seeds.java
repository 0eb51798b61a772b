package dev.attentiondrop.ops.random;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * Stateless seeds: {@code int64[2]} tensors.
 *
 * <p>{@link #foldIn} derives a child seed {@code [h(seed), salt]} where {@code h} is one Philox
 * draw from the parent, the construction of {@code tf.random.experimental.stateless_fold_in}:
 * children with different salts, or from different parents, give independent streams.
 */
public final class Seeds {
  private Seeds() {}

  /** A constant seed {@code [a, b]}. */
  public static Operand<TInt64> of(Ops tf, long a, long b) {
    return tf.constant(new long[] {a, b});
  }

  /** A constant seed {@code [seed, 0]}. */
  public static Operand<TInt64> of(Ops tf, long seed) {
    return of(tf, seed, 0L);
  }

  /** The child seed {@code [h(seed), salt]}. */
  public static Operand<TInt64> foldIn(Ops tf, Operand<TInt64> seed, long salt) {
    Operand<TInt64> head =
        tf.random.statelessRandomUniformFullInt(tf.constant(new int[] {1}), seed, TInt64.class);
    return tf.concat(java.util.List.of(head, tf.constant(new long[] {salt})), tf.constant(0));
  }

  /** Uniform noise on {@code [0, 1)} of the given shape and floating type. */
  public static <T extends TNumber> Operand<T> uniform(
      Ops tf, Operand<TInt32> shape, Operand<TInt64> seed, Class<T> type) {
    return tf.random.statelessRandomUniform(shape, seed, type);
  }
}

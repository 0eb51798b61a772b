package dev.attentiondrop.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TFloating;

/**
 * How keys are excluded from attention, in one place.
 *
 * <p>Two finite fill values keep softmax NaN-free in every corner case:
 *
 * <ul>
 *   <li>{@link #dropFill} ({@code -1e9}; {@code -3e4} in float16) replaces a logit a regularizer
 *       excludes (Hard Attention Masking in {@code NEG_INF} mode, DropKey). It is finite so that a
 *       later convolution or sum never forms {@code inf - inf}.
 *   <li>{@link #maskFill} ({@code -1e30}; {@code -6.5e4} in float16) replaces a logit the key mask
 *       forbids. It is far below {@code dropFill}: if every allowed key of a row was dropped, the
 *       row falls back to a uniform distribution over its allowed keys, never onto a masked key.
 * </ul>
 *
 * {@link #maskedSoftmax} then multiplies the probabilities by the mask, so masked keys get exactly
 * zero probability and a fully masked row is all zeros (not NaN, not uniform).
 */
public final class Masking {
  private Masking() {}

  /**
   * The value that stands for an excluded ("-inf") logit.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param type the element type
   * @return the value that stands for an excluded ("-inf") logit
   */
  public static <T extends TFloating> Operand<T> dropFill(Ops tf, Class<T> type) {
    return Tensors.scalar(tf, Tensors.isHalf(type) ? -3e4 : -1e9, type);
  }

  /**
   * The value written into masked positions before softmax.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param type the element type
   * @return the value written into masked positions before softmax
   */
  public static <T extends TFloating> Operand<T> maskFill(Ops tf, Class<T> type) {
    return Tensors.scalar(tf, Tensors.isHalf(type) ? -6.5e4 : -1e30, type);
  }

  /**
   * {@code logits} where {@code keyMask} allows, {@link #maskFill} elsewhere.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @return {@code logits} where {@code keyMask} allows, {@link #maskFill} elsewhere
   */
  public static <T extends TFloating> Operand<T> fillMasked(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask) {
    if (keyMask == null) {
      return logits;
    }
    return tf.select(keyMask, logits, maskFill(tf, logits.type()));
  }

  /**
   * {@code softmax(fillMasked(logits)) * mask}: a probability distribution over the allowed keys of
   * each row, exactly zero on masked keys, all zeros on a fully masked row.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param logits attention logits {@code [batch, heads, queries, keys]}
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @return {@code softmax(fillMasked(logits)) * mask}
   */
  public static <T extends TFloating> Operand<T> maskedSoftmax(
      Ops tf, Operand<T> logits, Operand<TBool> keyMask) {
    checkBroadcastable(keyMask, logits);
    Operand<T> probs = tf.nn.softmax(fillMasked(tf, logits, keyMask));
    if (keyMask == null) {
      return probs;
    }
    return tf.math.mul(probs, Tensors.asFloat(tf, keyMask, logits.type()));
  }

  /**
   * The key mask broadcast to the shape of {@code like}; an all-true mask when none is given.
   *
   * @param tf the ops of the graph being built
   * @param keyMask the key mask, broadcastable to the logits, {@code true} where a key may be
   *     attended to; {@code null} for every key
   * @param like the tensor whose shape the mask takes
   * @return the key mask broadcast to the shape of {@code like}
   */
  public static Operand<TBool> fullMask(Ops tf, Operand<TBool> keyMask, Operand<?> like) {
    if (keyMask == null) {
      return tf.fill(tf.shape(like), tf.constant(true));
    }
    checkBroadcastable(keyMask, like);
    return tf.broadcastTo(keyMask, tf.shape(like));
  }

  /**
   * Checks, where both static shapes are known, that {@code keyMask} broadcasts to the logits
   * {@code [batch, heads, queries, keys]}: every dimension of the mask is 1 or the logits' size. A
   * {@code null} mask, an unknown rank or an unknown dimension passes (TensorFlow then checks at
   * run time).
   *
   * @param keyMask the key mask, or {@code null}
   * @param logits the logits (or probabilities) it applies to
   * @throws IllegalArgumentException when the mask cannot broadcast to the logits
   */
  public static void checkBroadcastable(Operand<TBool> keyMask, Operand<?> logits) {
    if (keyMask == null || keyMask.shape().isUnknown() || logits.shape().isUnknown()) {
      return;
    }
    long[] mask = keyMask.shape().asArray();
    long[] target = logits.shape().asArray();
    boolean ok = mask.length <= target.length;
    for (int i = 1; ok && i <= mask.length; i++) {
      long m = mask[mask.length - i];
      long t = target[target.length - i];
      ok = m == 1 || m < 0 || t < 0 || m == t;
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "attention mask (keyMask): shape "
              + keyMask.shape()
              + " does not broadcast to the logits "
              + logits.shape()
              + ", allowed: a shape [b, h, q, k] with each of b, h, q, k either 1 or the logits'"
              + " [batch, heads, queries, keys] size");
    }
  }
}

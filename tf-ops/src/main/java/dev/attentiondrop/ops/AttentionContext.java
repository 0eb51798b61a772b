package dev.attentiondrop.ops;

import dev.attentiondrop.ops.random.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * What a regularizer is told about the attention it acts on. Immutable; the {@code with*} methods
 * return modified copies.
 *
 * <ul>
 *   <li>{@code keyMask}: {@code TBool} broadcastable to {@code [batch, heads, queries, keys]},
 *       {@code true} where a key may be attended to; {@code null} means every key.
 *   <li>{@code training}: see {@link Training}.
 *   <li>{@code seed}: an {@code int64[2]} stateless seed; required unless training is off.
 *   <li>{@code layer}, {@code numLayers}: the position of this attention in its stack (0-based),
 *       for per-layer schedules such as DropKey's.
 *   <li>{@code noiseGroups}: how many independent stochastic passes are stacked along the batch
 *       axis (see {@code MultiPass}): noise that a regularizer shares "per batch" is then drawn
 *       once per group, so stacked passes stay independent. Default 1.
 * </ul>
 */
public final class AttentionContext {
  private final Operand<TBool> keyMask;
  private final Training training;
  private final Operand<TInt64> seed;
  private final int layer;
  private final int numLayers;
  private final int noiseGroups;

  private AttentionContext(
      Operand<TBool> keyMask,
      Training training,
      Operand<TInt64> seed,
      int layer,
      int numLayers,
      int noiseGroups) {
    this.keyMask = keyMask;
    this.training = Checks.notNull("training", training);
    this.seed = seed;
    this.numLayers = Checks.inRange("numLayers", numLayers, 1, Integer.MAX_VALUE);
    this.layer = Checks.inRange("layer", layer, 0, numLayers - 1);
    this.noiseGroups = Checks.inRange("noiseGroups", noiseGroups, 1, Integer.MAX_VALUE);
    if (seed != null) {
      Seeds.check("seed", seed);
    }
    if (keyMask != null) {
      Checks.rank("keyMask", keyMask, 4, "(broadcastable to [batch, heads, queries, keys])");
    }
  }

  /**
   * Inference: no mask, training off, no seed needed.
   *
   * @return an inference context
   */
  public static AttentionContext inference() {
    return new AttentionContext(null, Training.OFF, null, 0, 1, 1);
  }

  /**
   * Training with a Java-constant or tensor flag and a stateless seed.
   *
   * @param training the training mode
   * @param seed the seed, {@code int64[2]}; {@code null} when training is off
   * @return a training context
   */
  public static AttentionContext training(Training training, Operand<TInt64> seed) {
    return new AttentionContext(null, training, seed, 0, 1, 1);
  }

  /**
   * Training on, with a stateless seed.
   *
   * @param seed the seed, {@code int64[2]}; {@code null} when training is off
   * @return a training context
   */
  public static AttentionContext training(Operand<TInt64> seed) {
    return training(Training.ON, seed);
  }

  /**
   * A copy with another key mask.
   *
   * @param mask {@code TBool} broadcastable to {@code [batch, heads, queries, keys]}, or {@code
   *     null}
   * @return the copy
   */
  public AttentionContext withKeyMask(Operand<TBool> mask) {
    return new AttentionContext(mask, training, seed, layer, numLayers, noiseGroups);
  }

  /**
   * A copy with another training mode.
   *
   * @param t the training mode
   * @return the copy
   */
  public AttentionContext withTraining(Training t) {
    return new AttentionContext(keyMask, t, seed, layer, numLayers, noiseGroups);
  }

  /**
   * A copy with another seed.
   *
   * @param s an {@code int64[2]} stateless seed, or {@code null}
   * @return the copy
   */
  public AttentionContext withSeed(Operand<TInt64> s) {
    return new AttentionContext(keyMask, training, s, layer, numLayers, noiseGroups);
  }

  /**
   * Position {@code layer} (0-based) in a stack of {@code numLayers}.
   *
   * @param layer the position of the attention in its stack, 0-based
   * @param numLayers the number of attentions in the stack
   * @return a copy at position {@code layer} of {@code numLayers}
   */
  public AttentionContext withLayer(int layer, int numLayers) {
    return new AttentionContext(keyMask, training, seed, layer, numLayers, noiseGroups);
  }

  /**
   * A copy with another number of stacked noise groups.
   *
   * @param groups the number of passes stacked along the batch axis, at least 1
   * @return the copy
   */
  public AttentionContext withNoiseGroups(int groups) {
    return new AttentionContext(keyMask, training, seed, layer, numLayers, groups);
  }

  /**
   * The same context with the seed {@code foldIn(seed, salt)}: independent noise.
   *
   * @param tf the ops of the graph being built
   * @param salt the salt folded into the seed (see {@link dev.attentiondrop.ops.random.SeedSalts})
   * @return the same context with the seed {@code foldIn(seed, salt)}
   */
  public AttentionContext fork(Ops tf, long salt) {
    return withSeed(Seeds.foldIn(tf, requireSeed(), salt));
  }

  /**
   * The key mask, or {@code null} when every key is allowed.
   *
   * @return the key mask, or {@code null} when every key is allowed
   */
  public Operand<TBool> keyMask() {
    return keyMask;
  }

  /**
   * Whether the graph runs in training mode.
   *
   * @return the training mode
   */
  public Training training() {
    return training;
  }

  /**
   * The stateless seed.
   *
   * @return the {@code int64[2]} seed, or {@code null} when none was given
   */
  public Operand<TInt64> seed() {
    return seed;
  }

  /**
   * The seed, or a clear error when training needs one and none was given.
   *
   * @return the seed
   */
  public Operand<TInt64> requireSeed() {
    if (seed == null) {
      throw new IllegalArgumentException(
          "seed must be set (an int64[2] stateless seed) when training is not a Java false");
    }
    return seed;
  }

  /**
   * {@code null} when training is a Java false, else {@link #requireSeed()}.
   *
   * @return {@code null} when training is a Java false, else {@link #requireSeed()}
   */
  public Operand<TInt64> trainingSeed() {
    return training.isOff() ? null : requireSeed();
  }

  /**
   * The position of this attention in its stack.
   *
   * @return the layer, 0-based, in {@code [0, numLayers)}
   */
  public int layer() {
    return layer;
  }

  /**
   * The number of attentions in the stack.
   *
   * @return the number of layers {@code L}, at least 1
   */
  public int numLayers() {
    return numLayers;
  }

  /**
   * How many independent stochastic passes are stacked along the batch axis.
   *
   * @return the number of noise groups, at least 1
   */
  public int noiseGroups() {
    return noiseGroups;
  }

  /**
   * Expands per-group values {@code [groups, ...]} to per-example values {@code [batch, ...]}:
   * example {@code i} gets the row of group {@code i / (batch / groups)}.
   *
   * @param <T> the element type of the tensors
   * @param tf the ops of the graph being built
   * @param perGroup values per noise group, {@code [groups, ...]}
   * @param batch the batch size
   * @return expands per-group values {@code [groups, ...]} to per-example values {@code [batch,
   *     ...]}
   */
  public <T extends TType> Operand<T> perGroupToPerExample(
      Ops tf, Operand<T> perGroup, Operand<TInt32> batch) {
    Operand<TInt32> groupSize = tf.math.floorDiv(batch, tf.constant(noiseGroups));
    Operand<TInt32> example = tf.range(tf.constant(0), batch, tf.constant(1));
    return tf.gather(perGroup, tf.math.floorDiv(example, groupSize), tf.constant(0));
  }
}

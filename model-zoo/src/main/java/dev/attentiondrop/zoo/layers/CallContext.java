package dev.attentiondrop.zoo.layers;

import dev.attentiondrop.ops.Checks;
import dev.attentiondrop.ops.Training;
import dev.attentiondrop.ops.consistency.MultiPass;
import dev.attentiondrop.ops.random.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * How a layer is called: training mode, the stateless seed of this call, and how many independent
 * stochastic passes are stacked along the batch (see {@code MultiPass}). Layers derive the seeds of
 * their parts with {@link #fork}.
 *
 * @param training training mode (a Java constant or a TBool tensor)
 * @param seed an int64[2] stateless seed; may be null when training is {@link Training#OFF}
 * @param noiseGroups passes stacked along the batch axis, 1 normally
 * @param tilePending the activations are not stacked yet: the first layer that draws noise (the
 *     first attention) tiles them {@code noiseGroups} times first ({@code
 *     MultiPass.Mode.SHARED_PREFIX}), so what precedes it runs once
 */
public record CallContext(
    Training training, Operand<TInt64> seed, int noiseGroups, boolean tilePending) {

  /**
   * A context whose activations are already stacked (or that has one pass): {@code tilePending}
   * false.
   *
   * @param training training mode (a Java constant or a TBool tensor)
   * @param seed an int64[2] stateless seed; may be null when training is {@link Training#OFF}
   * @param noiseGroups passes stacked along the batch axis, {@code >= 1}
   * @throws IllegalArgumentException for a null {@code training}, {@code noiseGroups < 1}, or a
   *     null {@code seed} when training is not {@link Training#OFF}
   */
  public CallContext(Training training, Operand<TInt64> seed, int noiseGroups) {
    this(training, seed, noiseGroups, false);
  }

  /**
   * Validates the components.
   *
   * @param training training mode, not null
   * @param seed an int64[2] stateless seed; may be null only when training is {@link Training#OFF}
   * @param noiseGroups passes stacked along the batch axis, {@code >= 1}
   * @param tilePending whether the first noise-drawing layer still has to tile the activations
   * @throws IllegalArgumentException for a null {@code training}, {@code noiseGroups < 1}, or a
   *     null {@code seed} when training is not {@link Training#OFF}
   */
  public CallContext {
    Checks.notNull("training", training);
    Checks.inRange("noiseGroups", noiseGroups, 1, Integer.MAX_VALUE);
    if (seed == null && !training.isOff()) {
      throw new IllegalArgumentException(
          "seed must be set (an int64[2] stateless seed) when training is not a Java false");
    }
  }

  /**
   * Inference: no randomness at all.
   *
   * @return training {@link Training#OFF}, no seed, one pass, nothing pending
   */
  public static CallContext inference() {
    return new CallContext(Training.OFF, null, 1);
  }

  /**
   * Training with the given per-step seed.
   *
   * @param seed the int64[2] stateless seed of this step, not null
   * @return training {@link Training#ON}, {@code seed}, one pass, nothing pending
   * @throws IllegalArgumentException for a null {@code seed}
   */
  public static CallContext training(Operand<TInt64> seed) {
    return new CallContext(Training.ON, seed, 1);
  }

  /**
   * The context for a part of this call: an independent seed {@code foldIn(seed, salt)} (see {@code
   * Seeds.foldIn}), the other components unchanged.
   *
   * @param tf the ops of the graph being built
   * @param salt distinguishes this part from its siblings (see {@code SeedSalts})
   * @return this context with the derived seed, or this context itself when it has no seed
   */
  public CallContext fork(Ops tf, long salt) {
    return seed == null
        ? this
        : new CallContext(training, Seeds.foldIn(tf, seed, salt), noiseGroups, tilePending);
  }

  /**
   * This context with another number of stacked passes.
   *
   * @param groups passes stacked along the batch axis, {@code >= 1}
   * @return a context with {@code noiseGroups = groups}, the other components unchanged
   * @throws IllegalArgumentException for {@code groups < 1}
   */
  public CallContext withNoiseGroups(int groups) {
    return new CallContext(training, seed, groups, tilePending);
  }

  /**
   * This context with another seed.
   *
   * @param s the new int64[2] stateless seed; may be null only when training is {@link
   *     Training#OFF}
   * @return a context with {@code seed = s}, the other components unchanged
   * @throws IllegalArgumentException for a null {@code s} when training is not {@link Training#OFF}
   */
  public CallContext withSeed(Operand<TInt64> s) {
    return new CallContext(training, s, noiseGroups, tilePending);
  }

  /**
   * The context after the tiling: the same seed and groups, nothing pending.
   *
   * @return this context with {@code tilePending = false} (this context itself when nothing was
   *     pending)
   */
  public CallContext tiled() {
    return tilePending ? new CallContext(training, seed, noiseGroups, false) : this;
  }

  /**
   * {@code x} stacked {@code noiseGroups} times along axis 0 when the tiling is pending; a tensor
   * whose static batch is 1 (a broadcast mask) and null stay as they are.
   *
   * @param <T> the element type of {@code x}
   * @param tf the ops of the graph being built
   * @param x a tensor {@code [B, ...]}, or null
   * @return {@code [noiseGroups B, ...]} (pass {@code i} in rows {@code [i B, (i + 1) B)}) when the
   *     tiling is pending, else {@code x} itself
   */
  public <T extends TType> Operand<T> tileIfPending(Ops tf, Operand<T> x) {
    if (!tilePending
        || x == null
        || (!x.shape().isUnknown() && x.shape().numDimensions() > 0 && x.shape().get(0) == 1)) {
      return x;
    }
    return MultiPass.tile(tf, x, noiseGroups);
  }

  /**
   * Whether training is a Java constant {@code false}, so that no noise needs to be built.
   *
   * @return {@code training().isOff()}
   */
  public boolean isOff() {
    return training.isOff();
  }
}
